// The graph as JSON for tools; the schema is documented in trace_render.hpp
// and bb-trace(1).
#include "bloodbank/trace_render.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace bb {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view text) {
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_optional(Writer& w, const NodeSummary& summary, std::string EventSummary::*field) {
    if (summary)
        write_string(w, (*summary).*field);
    else
        w.Null();
}

} // namespace

std::string render_json(const TraceGraph& graph) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    w.Key("root");
    write_string(w, graph.node(graph.focus()).id.str());
    w.Key("view");
    write_string(w, to_string(graph.view()));

    w.Key("nodes");
    w.StartArray();
    for (const TraceNode& node : graph.nodes()) {
        w.StartObject();
        w.Key("id");
        write_string(w, node.id.str());
        w.Key("known");
        w.Bool(node.known);
        w.Key("level");
        w.Int(node.level);
        w.Key("event_type");
        write_optional(w, node.summary, &EventSummary::event_type);
        w.Key("timestamp");
        write_optional(w, node.summary, &EventSummary::timestamp);
        w.Key("source_app");
        write_optional(w, node.summary, &EventSummary::source_app);
        w.Key("source_host");
        write_optional(w, node.summary, &EventSummary::source_host);
        w.Key("source_type");
        write_optional(w, node.summary, &EventSummary::source_type);
        w.EndObject();
    }
    w.EndArray();

    w.Key("edges");
    w.StartArray();
    for (auto [parent, child] : graph.edges()) {
        w.StartObject();
        w.Key("parent");
        write_string(w, graph.node(parent).id.str());
        w.Key("child");
        write_string(w, graph.node(child).id.str());
        w.EndObject();
    }
    w.EndArray();

    w.Key("truncated");
    w.Bool(graph.truncated());
    w.Key("truncated_reason");
    if (graph.truncated())
        write_string(w, graph.truncated_reason());
    else
        w.Null();
    w.EndObject();

    std::string out(buffer.GetString(), buffer.GetSize());
    out += '\n';
    return out;
}

} // namespace bb
