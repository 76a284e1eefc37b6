// The tree a person reads: columns aligned (label, time, source, short id) so
// that a glance down the rows compares times and apps.
#include "bloodbank/trace_render.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace bb {
namespace {

// Labels wider than this are not padded to: one very deep row must not push
// every other row's columns off the screen.
constexpr std::size_t max_label_column = 64;

namespace ansi {
constexpr std::string_view reset = "\x1b[0m";
constexpr std::string_view bold = "\x1b[1m";
constexpr std::string_view dim = "\x1b[2m";
constexpr std::string_view focus = "\x1b[1;7m";
constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view yellow = "\x1b[33m";
} // namespace ansi

// Terminal columns of UTF-8 text: one per code point (box-drawing characters
// and the marks used here are all single-width).
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

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

Line line_for(const TraceGraph& graph, const TreeRow& row, const ShortIds& short_ids) {
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
    return line;
}

} // namespace

std::string render_tree(const TraceGraph& graph, const TreeStyle& style) {
    ShortIds short_ids(graph);
    std::vector<Line> lines;
    for (const TreeRow& row : tree_layout(graph))
        lines.push_back(line_for(graph, row, short_ids));

    std::size_t label_width = 0, time_width = 0, source_width = 0;
    for (const Line& line : lines) {
        std::size_t label = columns(line.cells[0].text) + columns(line.cells[1].text);
        if (label <= max_label_column)
            label_width = std::max(label_width, label);
        time_width = std::max(time_width, columns(line.cells[2].text));
        source_width = std::max(source_width, columns(line.cells[3].text));
    }

    Painter painter(style.color);
    std::string out;
    auto pad = [&](std::size_t used, std::size_t width) {
        if (used < width)
            out.append(width - used, ' ');
    };
    for (const Line& line : lines) {
        painter.put(out, line.cells[0].text, line.cells[0].color);
        painter.put(out, line.cells[1].text, line.cells[1].color);
        pad(columns(line.cells[0].text) + columns(line.cells[1].text), label_width);
        if (time_width) {
            out += "  ";
            painter.put(out, line.cells[2].text, line.cells[2].color);
            pad(columns(line.cells[2].text), time_width);
        }
        if (source_width) {
            out += "  ";
            painter.put(out, line.cells[3].text, line.cells[3].color);
            pad(columns(line.cells[3].text), source_width);
        }
        out += "  ";
        painter.put(out, line.cells[4].text, line.cells[4].color);
        if (!line.suffix.empty()) {
            out += "  ";
            painter.put(out, line.suffix, ansi::dim);
        }
        if (line.focus) {
            out += "  ";
            painter.put(out, "◀", ansi::bold);
        }
        out += '\n';
    }
    if (graph.truncated()) {
        painter.put(out, "… truncated: " + graph.truncated_reason(), ansi::yellow);
        out += '\n';
    }
    return out;
}

} // namespace bb
