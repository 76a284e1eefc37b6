// The graph as a Mermaid flowchart, for Markdown that GitHub and GitLab draw.
#include "bloodbank/trace_render.hpp"
#include "bloodbank/utf8.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

// Mermaid's defaults (maxEdges, maxTextSize): a diagram beyond either is not
// drawn, and a diagram cannot raise them itself.
constexpr std::size_t mermaid_max_edges = 500;
constexpr std::size_t mermaid_max_text = 50000;

// Event data inside a quoted label: controls and bidi overrides made visible
// first, then every character Mermaid could read as syntax written as one of
// its entity codes ("#quot;", "#35;"), which it turns back into the text:
// '"' would end the label, '<' '>' '&' be taken for HTML, '#' start an
// entity, '%' make a "%%{init: ...}%%" directive or a comment, and a backtick
// open a Markdown string.
void append_escaped(std::string& out, std::string_view untrusted) {
    for (char c : visible_text(untrusted)) {
        switch (c) {
        case '"':
            out += "#quot;";
            break;
        case '<':
            out += "#lt;";
            break;
        case '>':
            out += "#gt;";
            break;
        case '&':
            out += "#amp;";
            break;
        case '#':
            out += "#35;";
            break;
        case '%':
            out += "#37;";
            break;
        case '`':
            out += "#96;";
            break;
        default:
            out += c;
        }
    }
}

// Mermaid measures text in UTF-16 code units, as JavaScript does.
std::size_t utf16_length(std::string_view text) {
    std::size_t units = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = utf8_sequence_length(text, i);
        units += length == 4 ? 2 : 1;
        i += length ? length : 1;
    }
    return units;
}

} // namespace

std::string render_mermaid(const TraceGraph& graph) {
    ShortIds short_ids(graph);
    std::string out = "flowchart TD\n";
    if (graph.truncated()) {
        out += "  %% truncated: ";
        append_escaped(out, graph.truncated_reason());
        out += '\n';
    }
    bool any_unknown = false;
    for (std::size_t i = 0; i < graph.size(); ++i) {
        const TraceNode& node = graph.node(i);
        out += fmt::format("  n{}[\"", i);
        append_escaped(out, display_label(node));
        for (const std::string& line :
             {display_time(node), display_source(node), short_ids(node.id)})
            if (!line.empty()) {
                out += "<br/>";
                append_escaped(out, line);
            }
        out += "\"]";
        if (i == graph.focus())
            out += ":::focus";
        else if (!node.known)
            out += ":::unknown";
        any_unknown = any_unknown || !node.known;
        out += '\n';
    }
    for (auto [parent, child] : graph.edges())
        out += fmt::format("  n{} --> n{}\n", parent, child);
    out += "  classDef focus stroke-width:3px\n";
    if (any_unknown)
        out += "  classDef unknown stroke-dasharray:5 5\n";
    return out;
}

std::optional<std::string> mermaid_over_limits(const TraceGraph& graph, std::string_view text) {
    std::size_t edges = graph.edges().size(), units = utf16_length(text);
    if (edges <= mermaid_max_edges && units <= mermaid_max_text)
        return std::nullopt;
    return fmt::format("the Mermaid diagram has {} edges and {} characters, over Mermaid's default "
                       "limits ({} edges, {} characters): it will not be drawn unless the page "
                       "raises maxEdges and maxTextSize; --depth or --max-nodes shows less",
                       edges, units, mermaid_max_edges, mermaid_max_text);
}

} // namespace bb
