// The graph for Graphviz: `bb-trace ID --format dot | dot -Tsvg > trace.svg`.
#include "bloodbank/trace_render.hpp"

namespace bb {
namespace {

// Inside a DOT double-quoted string only '"' and '\' need escaping; a line
// break in a label is the two characters "\n".
void append_quoted(std::string& out, std::string_view text) {
    out += '"';
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    out += '"';
}

std::string label_for(const TraceNode& node, const ShortIds& short_ids) {
    std::string label = display_label(node);
    for (const std::string& line : {display_time(node), display_source(node), short_ids(node.id)})
        if (!line.empty())
            label += "\n" + line;
    return label;
}

} // namespace

std::string render_dot(const TraceGraph& graph) {
    ShortIds short_ids(graph);
    std::string out = "digraph bloodbank_trace {\n";
    out += "  node [shape=box, fontname=\"monospace\"];\n";
    if (graph.truncated()) {
        out += "  label=";
        append_quoted(out, "truncated: " + graph.truncated_reason());
        out += ";\n";
    }
    for (std::size_t i = 0; i < graph.size(); ++i) {
        const TraceNode& node = graph.node(i);
        out += "  ";
        append_quoted(out, node.id.str());
        out += " [label=";
        append_quoted(out, label_for(node, short_ids));
        if (i == graph.focus())
            out += ", penwidth=3";
        if (!node.known)
            out += ", style=dashed";
        out += "];\n";
    }
    for (auto [parent, child] : graph.edges()) {
        out += "  ";
        append_quoted(out, graph.node(parent).id.str());
        out += " -> ";
        append_quoted(out, graph.node(child).id.str());
        out += ";\n";
    }
    out += "}\n";
    return out;
}

} // namespace bb
