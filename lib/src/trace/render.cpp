// Format selection, the `ids` renderer and the texts all renderers share.
#include "bloodbank/trace_render.hpp"

#include <fmt/format.h>

#include <ctime>

namespace bb {

Result<TraceFormat> parse_trace_format(std::string_view name) {
    if (name == "tree")
        return TraceFormat::tree;
    if (name == "json")
        return TraceFormat::json;
    if (name == "ids")
        return TraceFormat::ids;
    if (name == "dot")
        return TraceFormat::dot;
    if (name == "mermaid")
        return TraceFormat::mermaid;
    return make_error(ErrorKind::usage,
                      fmt::format("\"{}\" is not one of tree, json, ids, dot, mermaid", name));
}

std::string render(const TraceGraph& graph, TraceFormat format, const TreeStyle& style) {
    switch (format) {
    case TraceFormat::tree:
        return render_tree(graph, style);
    case TraceFormat::json:
        return render_json(graph);
    case TraceFormat::ids:
        return render_ids(graph);
    case TraceFormat::dot:
        return render_dot(graph);
    case TraceFormat::mermaid:
        return render_mermaid(graph);
    }
    return render_tree(graph, style);
}

std::string render_ids(const TraceGraph& graph) {
    bool skip_focus = graph.view() == TraceView::parents || graph.view() == TraceView::children;
    std::string out;
    out.reserve(graph.size() * 37);
    for (std::size_t i = 0; i < graph.size(); ++i) {
        if (skip_focus && i == graph.focus())
            continue;
        std::size_t at = out.size();
        out.resize(at + 36);
        graph.node(i).id.format_to(out.data() + at);
        out += '\n';
    }
    return out;
}

std::string display_time(const TraceNode& node) {
    if (!node.summary)
        return "";
    if (!node.summary->time_micros)
        return node.summary->timestamp;
    std::int64_t micros = *node.summary->time_micros;
    std::int64_t seconds = micros / 1'000'000 - (micros % 1'000'000 < 0 ? 1 : 0);
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    if (!gmtime_r(&t, &tm))
        return node.summary->timestamp;
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string display_label(const TraceNode& node) {
    if (!node.known)
        return "? unknown to Redis";
    if (!node.summary)
        return "(no summary)";
    if (node.summary->event_type.empty())
        return "(no event type)";
    return node.summary->event_type;
}

std::string display_source(const TraceNode& node) {
    if (!node.summary)
        return "";
    if (!node.summary->source_app.empty())
        return "app=" + node.summary->source_app;
    if (!node.summary->source_host.empty())
        return "host=" + node.summary->source_host;
    return "";
}

} // namespace bb
