// The browser's tree: nodes loaded one level at a time, the selection kept
// as a node so that opening and closing rows above it never moves it.
#include "bloodbank/trace_browse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace bb {

TraceBrowser::TraceBrowser(BrowseSource& source) : source_(source) {}

Result<void> TraceBrowser::open(const Uuid& id) {
    auto details = source_.details(id);
    if (!details)
        return details.error();
    if (!details->known)
        return make_error(ErrorKind::not_found,
                          fmt::format("event {} not found in Redis", id.str()));
    // Built aside, so that a failure leaves the current tree as it was.
    std::vector<Node> kept = std::move(nodes_);
    std::size_t kept_selection = selected_node_;
    nodes_.assign(1, Node{id, Mark::root, 0, std::nullopt, {}, false, false, false});
    selected_node_ = 0;
    events_[id] = BrowseEvent{id, true, details->summary};
    details_[id] = std::move(*details);
    if (auto loaded = load(0); !loaded) {
        nodes_ = std::move(kept);
        selected_node_ = kept_selection;
        return loaded.error();
    }
    nodes_[0].expanded = true;
    return {};
}

Result<void> TraceBrowser::reroot() {
    return open(selected_id());
}

bool TraceBrowser::on_path(std::size_t node, const Uuid& id) const {
    for (std::optional<std::size_t> at = node; at; at = nodes_[*at].parent)
        if (nodes_[*at].id == id)
            return true;
    return false;
}

Result<void> TraceBrowser::load(std::size_t node) {
    if (nodes_[node].loaded)
        return {};
    std::vector<std::pair<Direction, Mark>> wanted;
    if (nodes_[node].mark != Mark::child)
        wanted.push_back({Direction::ancestors, Mark::parent});
    if (nodes_[node].mark != Mark::parent)
        wanted.push_back({Direction::descendants, Mark::child});
    std::vector<std::pair<BrowseLevel, Mark>> levels;
    for (auto [direction, mark] : wanted) {
        auto level = source_.level(nodes_[node].id, direction);
        if (!level)
            return level.error();
        levels.emplace_back(std::move(*level), mark);
    }
    for (auto& [level, mark] : levels) {
        if (level.truncated)
            truncations_.push_back(
                fmt::format("{}: {}", short_id(nodes_[node].id), *level.truncated));
        warnings_.insert(warnings_.end(), level.warnings.begin(), level.warnings.end());
        for (BrowseEvent& event : level.events) {
            Node kid{event.id, mark, nodes_[node].depth + 1, node, {}, false, false, false};
            kid.cycle = on_path(node, event.id);
            nodes_[node].kids.push_back(nodes_.size());
            nodes_.push_back(std::move(kid));
            events_[event.id] = std::move(event);
        }
    }
    nodes_[node].loaded = true;
    return {};
}

void TraceBrowser::visible(std::size_t node, std::vector<std::size_t>& out) const {
    out.push_back(node);
    if (nodes_[node].expanded)
        for (std::size_t kid : nodes_[node].kids)
            visible(kid, out);
}

std::vector<std::size_t> TraceBrowser::visible() const {
    std::vector<std::size_t> out;
    if (!nodes_.empty())
        visible(0, out);
    return out;
}

std::vector<std::size_t> TraceBrowser::preorder() const {
    std::vector<std::size_t> out;
    std::vector<std::size_t> stack;
    if (!nodes_.empty())
        stack.push_back(0);
    while (!stack.empty()) {
        std::size_t node = stack.back();
        stack.pop_back();
        out.push_back(node);
        const auto& kids = nodes_[node].kids;
        stack.insert(stack.end(), kids.rbegin(), kids.rend());
    }
    return out;
}

std::vector<TraceBrowser::Row> TraceBrowser::rows() const {
    std::vector<Row> out;
    for (std::size_t index : visible()) {
        const Node& node = nodes_[index];
        bool leaf = node.loaded && node.kids.empty();
        out.push_back(
            {node.id, node.mark, node.depth, node.expanded, !node.cycle && !leaf, node.cycle});
    }
    return out;
}

std::size_t TraceBrowser::selected() const {
    auto shown = visible();
    auto at = std::find(shown.begin(), shown.end(), selected_node_);
    return at == shown.end() ? 0 : static_cast<std::size_t>(at - shown.begin());
}

const Uuid& TraceBrowser::selected_id() const {
    return nodes_[selected_node_].id;
}
const Uuid& TraceBrowser::root_id() const {
    return nodes_[0].id;
}

void TraceBrowser::move(long delta) {
    auto shown = visible();
    if (shown.empty())
        return;
    long at = static_cast<long>(selected()) + delta;
    at = std::clamp(at, 0L, static_cast<long>(shown.size()) - 1);
    selected_node_ = shown[static_cast<std::size_t>(at)];
}

Result<void> TraceBrowser::expand() {
    Node& node = nodes_[selected_node_];
    if (node.cycle)
        return {};
    if (auto loaded = load(selected_node_); !loaded)
        return loaded.error();
    nodes_[selected_node_].expanded = true;
    return {};
}

void TraceBrowser::collapse() {
    Node& node = nodes_[selected_node_];
    if (node.expanded && !node.kids.empty())
        node.expanded = false;
    else if (node.parent)
        selected_node_ = *node.parent;
}

void TraceBrowser::select_node(std::size_t node) {
    for (std::optional<std::size_t> at = nodes_[node].parent; at; at = nodes_[*at].parent)
        nodes_[*at].expanded = true;
    selected_node_ = node;
}

std::optional<std::size_t> TraceBrowser::first_kid(std::size_t node, Mark mark) const {
    for (std::size_t kid : nodes_[node].kids)
        if (nodes_[kid].mark == mark)
            return kid;
    return std::nullopt;
}

// The tree parent of a row is its causal child when the row is a parent, its
// causal parent when the row is a child; the other way lies in its own level.
Result<bool> TraceBrowser::jump(Mark toward) {
    const Node& node = nodes_[selected_node_];
    const Mark back = toward == Mark::parent ? Mark::child : Mark::parent;
    if (node.mark == back && node.parent) {
        selected_node_ = *node.parent;
        return true;
    }
    if (node.cycle)
        return false;
    if (auto loaded = load(selected_node_); !loaded)
        return loaded.error();
    auto kid = first_kid(selected_node_, toward);
    if (!kid)
        return false;
    select_node(*kid);
    return true;
}

Result<bool> TraceBrowser::jump_parent() {
    return jump(Mark::parent);
}
Result<bool> TraceBrowser::jump_child() {
    return jump(Mark::child);
}

bool TraceBrowser::matches(const Uuid& id) const {
    std::string text = id.str();
    std::string prefix(query_);
    std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (text.compare(0, prefix.size(), prefix) == 0)
        return true;
    const BrowseEvent* seen = event(id);
    return seen && seen->summary && seen->summary->event_type.find(query_) != std::string::npos;
}

bool TraceBrowser::search(std::string_view query) {
    query_ = std::string(query);
    return next_match();
}

bool TraceBrowser::next_match() {
    if (query_.empty() || nodes_.empty())
        return false;
    auto order = preorder();
    auto at = std::find(order.begin(), order.end(), selected_node_);
    std::size_t start = at == order.end() ? 0 : static_cast<std::size_t>(at - order.begin());
    for (std::size_t step = 1; step <= order.size(); ++step) {
        std::size_t node = order[(start + step) % order.size()];
        if (matches(nodes_[node].id)) {
            select_node(node);
            return true;
        }
    }
    return false;
}

const BrowseEvent* TraceBrowser::event(const Uuid& id) const {
    auto at = events_.find(id);
    return at == events_.end() ? nullptr : &at->second;
}

Result<const EventDetails*> TraceBrowser::details() {
    const Uuid& id = selected_id();
    if (auto at = details_.find(id); at != details_.end())
        return &at->second;
    auto read = source_.details(id);
    if (!read)
        return read.error();
    return &details_.emplace(id, std::move(*read)).first->second;
}

} // namespace bb
