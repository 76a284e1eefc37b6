// Short ids that still tell a graph's events apart: see trace.hpp.
#include "bloodbank/trace.hpp"

#include <unordered_set>

namespace bb {
namespace {

constexpr std::size_t head_digits = 8;
constexpr std::size_t tail_digits = 12; // the last group of the text form

std::string_view head(const std::string& text) {
    return std::string_view(text).substr(0, head_digits);
}
std::string_view tail(const std::string& text) {
    return std::string_view(text).substr(text.size() - tail_digits);
}

// Whether `part` of every node's id differs from every other's.
template <typename Part> bool distinct(const TraceGraph& graph, Part part) {
    std::vector<std::string> texts;
    texts.reserve(graph.size());
    for (const TraceNode& node : graph.nodes())
        texts.push_back(node.id.str());
    std::unordered_set<std::string_view> seen;
    for (const std::string& text : texts)
        if (!seen.insert(part(text)).second)
            return false;
    return true;
}

} // namespace

std::string short_id(const Uuid& id) {
    return std::string(head(id.str()));
}

ShortIds::ShortIds(const TraceGraph& graph) {
    if (distinct(graph, head))
        part_ = Part::head;
    else if (distinct(graph, tail))
        part_ = Part::tail;
    else
        part_ = Part::whole;
}

std::string ShortIds::operator()(const Uuid& id) const {
    std::string text = id.str();
    switch (part_) {
    case Part::head:
        return std::string(head(text));
    case Part::tail:
        return "…" + std::string(tail(text));
    case Part::whole:
        break;
    }
    return text;
}

} // namespace bb
