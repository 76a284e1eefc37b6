// The tree a person reads: columns aligned (label, time, source, short id) so
// that a glance down the rows compares times and apps, fitted to the width of
// the terminal when there is one.
#include "bloodbank/display_width.hpp"
#include "bloodbank/json.hpp"
#include "bloodbank/trace_render.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace bb {
namespace {

// Labels wider than this are not padded to: one very deep row must not push
// every other row's columns off the screen; longer ones are shortened.
constexpr std::size_t max_label_column = 64;
constexpr std::size_t gap = 2; // columns between two cells

namespace ansi {
constexpr std::string_view reset = "\x1b[0m";
constexpr std::string_view bold = "\x1b[1m";
constexpr std::string_view dim = "\x1b[2m";
constexpr std::string_view focus = "\x1b[1;7m";
constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view yellow = "\x1b[33m";
} // namespace ansi

struct Cell {
    std::string text;
    std::string_view color; // empty: plain
};

struct Line {
    std::array<Cell, 5> cells; // prefix+label (as two cells), time, source, id
    std::string suffix;        // "(see above)", "(cycle)"
    bool focus = false;
};

class Painter {
public:
    explicit Painter(bool color) : color_(color) {}
    void put(std::string& out, std::string_view text, std::string_view color) const {
        if (color_ && !color.empty() && !text.empty()) {
            out += color;
            out += text;
            out += ansi::reset;
        } else {
            out += text;
        }
    }

private:
    bool color_;
};

// A link's created_at as the tree shows times: "2025-10-18 14:03:07".
std::string link_time(const ForwardRecord& record) {
    std::string time = record.created_at.substr(0, record.created_at.find('.'));
    std::replace(time.begin(), time.end(), 'T', ' ');
    return visible_text(time);
}

// "reason=<reason>", else the metadata as stored, else nothing.
std::string link_reason(const ForwardRecord& record) {
    if (auto metadata = parse_json(record.metadata_json); metadata && metadata->IsObject()) {
        auto reason = metadata->FindMember("reason");
        if (reason != metadata->MemberEnd() && reason->value.IsString())
            return "reason=" + visible_text(reason->value.GetString());
    }
    return record.metadata_json == "{}" ? "" : visible_text(record.metadata_json);
}

Line line_for(const TraceGraph& graph, const TreeRow& row, const ShortIds& short_ids,
              const TreeStyle& style) {
    const TraceNode& node = graph.node(row.node);
    Line line;
    line.focus = row.node == graph.focus();
    line.cells[0] = {row.prefix, ansi::dim};
    std::string_view label_color = !node.known ? ansi::red : !node.summary ? ansi::dim : ansi::bold;
    if (line.focus)
        label_color = ansi::focus;
    // Event data comes from envelopes and Redis: it must not drive the terminal.
    std::string label = visible_text(display_label(node));
    if (row.depth > tree_max_indent)
        label = fmt::format("[{}] {}", row.depth, label); // not "[" + ...: GCC 12 -Wrestrict
    line.cells[1] = {std::move(label), label_color};
    if (row.kind == TreeRow::Kind::full) {
        line.cells[2] = {visible_text(display_time(node)), {}};
        line.cells[3] = {visible_text(display_source(node)), ansi::green};
    } else {
        line.suffix = row.kind == TreeRow::Kind::cycle ? "(cycle)" : "(see above)";
    }
    line.cells[4] = {short_ids(node.id), ansi::yellow};
    const ForwardRecord* link = nullptr;
    if (style.links)
        if (auto found = style.links->find(node.id); found != style.links->end())
            link = &found->second;
    if (link && row.kind == TreeRow::Kind::full && !node.summary) {
        // Chains the Python tracker wrote have no summaries: the link is all there is.
        line.cells[2] = {link_time(*link), {}};
        line.cells[3] = {link_reason(*link), ansi::green};
    } else if (link && style.show_links) {
        std::string reason = link_reason(*link);
        std::string shown = "(linked " + link_time(*link) + (reason.empty() ? "" : ", " + reason);
        line.suffix += (line.suffix.empty() ? "" : "  ") + fit_width(shown, 60) + ")";
    }
    return line;
}

// The tail end of a row: suffix and focus mark, after the id.
std::size_t tail_width(const Line& line) {
    std::size_t width = line.suffix.empty() ? 0 : gap + display_width(line.suffix);
    return width + (line.focus ? gap + 1 : 0);
}

struct Columns {
    std::size_t label = 0, time = 0, source = 0, id = 0, tail = 0;
    std::size_t total() const {
        return label + (time ? gap + time : 0) + (source ? gap + source : 0) + gap + id + tail;
    }
};

// Narrows the columns until a row fits in `width`, giving up the least
// useful first: long labels, then the source, then the time; the tree lines
// and the id stay.
void fit(Columns& c, std::size_t width) {
    const std::size_t natural_label = c.label;
    auto shrink = [&](std::size_t& column, std::size_t floor) {
        if (c.total() <= width || column <= floor)
            return;
        column = std::max(floor, column - std::min(column - floor, c.total() - width));
    };
    shrink(c.label, 24);
    shrink(c.source, 12);
    if (c.total() > width)
        c.source = 0;
    shrink(c.label, 12);
    if (c.total() > width)
        c.time = 0;
    shrink(c.label, 4);
    // A column given up leaves room that the labels can take back.
    if (c.total() < width)
        c.label = std::min(natural_label, c.label + (width - c.total()));
}

// Tree lines and label in `width` columns: the label shortened first, then
// the tree lines from the left (their nearest levels stay), at least a few
// columns of label kept.
std::pair<std::string, std::string> fit_label(const Line& line, std::size_t width) {
    const std::string& prefix = line.cells[0].text;
    std::size_t prefix_width = display_width(prefix);
    std::size_t label_room = std::min(display_width(line.cells[1].text), std::size_t{4});
    if (prefix_width + label_room > width && prefix_width > 0) {
        // Keep the rightmost columns of the tree lines: each is one column wide.
        std::size_t keep = width > label_room + 1 ? width - label_room - 1 : 0;
        std::size_t cut = 0, dropped = 0;
        while (cut < prefix.size() && prefix_width - dropped > keep) {
            do
                ++cut;
            while (cut < prefix.size() && (static_cast<unsigned char>(prefix[cut]) & 0xC0) == 0x80);
            ++dropped;
        }
        std::string shortened = "…" + prefix.substr(cut);
        return {shortened, fit_width(line.cells[1].text, width - display_width(shortened))};
    }
    return {prefix, fit_width(line.cells[1].text, width > prefix_width ? width - prefix_width : 0)};
}

} // namespace

std::string render_tree(const TraceGraph& graph, const TreeStyle& style) {
    ShortIds short_ids(graph);
    std::vector<Line> lines;
    for (const TreeRow& row : tree_layout(graph))
        lines.push_back(line_for(graph, row, short_ids, style));

    Columns c;
    for (const Line& line : lines) {
        std::size_t label = display_width(line.cells[0].text) + display_width(line.cells[1].text);
        c.label = std::max(c.label, std::min(label, max_label_column));
        c.time = std::max(c.time, display_width(line.cells[2].text));
        c.source = std::max(c.source, display_width(line.cells[3].text));
        c.id = std::max(c.id, display_width(line.cells[4].text));
        c.tail = std::max(c.tail, tail_width(line));
    }
    if (style.width)
        fit(c, style.width);

    Painter painter(style.color);
    std::string out;
    auto cell = [&](const std::string& text, std::string_view color, std::size_t width) {
        std::string shown = fit_width(text, width);
        painter.put(out, shown, color);
        out.append(width - display_width(shown), ' ');
    };
    for (const Line& line : lines) {
        auto [prefix, label] = fit_label(line, c.label);
        painter.put(out, prefix, line.cells[0].color);
        painter.put(out, label, line.cells[1].color);
        out.append(c.label - display_width(prefix) - display_width(label), ' ');
        if (c.time) {
            out.append(gap, ' ');
            cell(line.cells[2].text, line.cells[2].color, c.time);
        }
        if (c.source) {
            out.append(gap, ' ');
            cell(line.cells[3].text, line.cells[3].color, c.source);
        }
        out.append(gap, ' ');
        painter.put(out, line.cells[4].text, line.cells[4].color);
        if (!line.suffix.empty()) {
            out.append(gap, ' ');
            painter.put(out, line.suffix, ansi::dim);
        }
        if (line.focus) {
            out.append(gap, ' ');
            painter.put(out, "◀", ansi::bold);
        }
        // Padding that ends a row is not worth keeping.
        while (!out.empty() && out.back() == ' ')
            out.pop_back();
        out += '\n';
    }
    if (graph.truncated()) {
        std::string note = "… truncated: " + graph.truncated_reason();
        painter.put(out, style.width ? fit_width(note, style.width) : note, ansi::yellow);
        out += '\n';
    }
    return out;
}

} // namespace bb
