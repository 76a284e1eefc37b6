// The graph for Graphviz: `bb-trace ID --format dot | dot -Tsvg > trace.svg`.
#include "bloodbank/trace_render.hpp"
#include "bloodbank/utf8.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

// Labels are HTML-like (label=<...>): Graphviz reads them as XML and copies
// the text into SVG, where a control character makes the file unreadable.
// Event data is first made visible (controls and bidi overrides as "\x1b",
// "\u202e"), then written as XML: markup characters as entities, everything
// outside printable ASCII as a numeric reference (the DOT text is plain ASCII
// whatever the charset), and a backslash doubled, since Graphviz still reads
// "\N" or "\G" in a label as the node's or the graph's name. U+FFFE and
// U+FFFF cannot be written in XML at all: they are shown as escapes.
void append_markup(std::string& out, std::string_view untrusted) {
    std::string text = visible_text(untrusted);
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = utf8_sequence_length(text, i);
        char32_t code = utf8_code_point(text, i, length);
        i += length;
        switch (code) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\\':
            out += "\\\\";
            break;
        default:
            if (code == 0xFFFE || code == 0xFFFF)
                out += fmt::format("\\\\u{:04x}", static_cast<std::uint32_t>(code));
            else if (code < 0x80)
                out += static_cast<char>(code);
            else
                out += fmt::format("&#x{:x};", static_cast<std::uint32_t>(code));
        }
    }
}

// A label of one line per piece of text, each escaped on its own.
void append_label(std::string& out, std::initializer_list<std::string> lines) {
    out += "label=<";
    bool first = true;
    for (const std::string& line : lines) {
        if (line.empty())
            continue;
        if (!first)
            out += "<BR/>";
        append_markup(out, line);
        first = false;
    }
    out += '>';
}

} // namespace

std::string render_dot(const TraceGraph& graph) {
    ShortIds short_ids(graph);
    // Node names are the event ids, which are UUIDs: nothing to escape.
    std::string out = "digraph bloodbank_trace {\n";
    out += "  node [shape=box, fontname=\"monospace\"];\n";
    if (graph.truncated()) {
        out += "  ";
        append_label(out, {"truncated: " + graph.truncated_reason()});
        out += ";\n";
    }
    for (std::size_t i = 0; i < graph.size(); ++i) {
        const TraceNode& node = graph.node(i);
        out += fmt::format("  \"{}\" [", node.id.str());
        append_label(out, {display_label(node), display_time(node), display_source(node),
                           short_ids(node.id)});
        if (i == graph.focus())
            out += ", penwidth=3";
        if (!node.known)
            out += ", style=dashed";
        out += "];\n";
    }
    for (auto [parent, child] : graph.edges())
        out += fmt::format("  \"{}\" -> \"{}\";\n", graph.node(parent).id.str(),
                           graph.node(child).id.str());
    out += "}\n";
    return out;
}

} // namespace bb
