// The graph as a Mermaid flowchart, for Markdown that GitHub and GitLab draw.
#include "bloodbank/trace_render.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

// Mermaid reads entity codes inside quoted labels; these characters would
// otherwise end the label or be taken for HTML.
void append_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
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
        case '#':
            out += "#35;";
            break;
        case '\n':
            out += ' ';
            break;
        default:
            out += c;
        }
    }
}

} // namespace

std::string render_mermaid(const TraceGraph& graph) {
    ShortIds short_ids(graph);
    std::string out = "flowchart TD\n";
    if (graph.truncated())
        out += "  %% truncated: " + graph.truncated_reason() + "\n";
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

} // namespace bb
