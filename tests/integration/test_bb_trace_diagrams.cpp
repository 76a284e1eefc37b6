// Event data is untrusted in the diagrams too: DOT goes through Debian's
// graphviz to SVG, which must stay well-formed XML showing the original text
// (controls made visible), and Mermaid text must carry no directive, comment,
// entity or HTML of the event's own. Hostile strings go into the real test
// Redis as the Python side could write them.
#include "support/lines.hpp"
#include "support/skip.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

using namespace std::string_literals;

namespace {

// Hostile summary fields and the label lines a reader must see for them:
// controls and bidi overrides as escapes, everything else as written.
const std::string hostile_type = "amp&amp;ent#35; <b>x</b> \"q\" back\\slash \\N \\G `tick`";
const std::string hostile_app = "esc\x1b[31m bel\x07 nul\0 del\x7f \xe2\x80\xae"
                                "desrever \xef\xbf\xbe snow\xe2\x98\x83 \xe9\x9b\xaa"s;
const std::string hostile_time = "%%{init: {'theme':'dark'}}%% \x1b]0;t\x07";

const std::string shown_type = hostile_type;
const std::string shown_app = "app=esc\\x1b[31m bel\\x07 nul\\x00 del\\x7f \\u202edesrever "
                              "\\ufffe snow\xe2\x98\x83 \xe9\x9b\xaa";
const std::string shown_time = "%%{init: {'theme':'dark'}}%% \\x1b]0;t\\x07";

struct Hostile {
    std::unique_ptr<tracetest::Fixture> f;
    std::string root, child;
};

Hostile hostile_chain() {
    Hostile h{tracetest::fixture(), {}, {}};
    if (!h.f)
        return h;
    h.root = h.f->event();
    h.child = h.f->event();
    h.f->link(h.child, {h.root});
    h.f->summary(h.root, hostile_type, hostile_time, hostile_app, "host");
    h.f->summary(h.child, "`starts with a backtick", "2025-10-18T14:03:07+00:00", "a&b<c>\"d\"#e");
    return h;
}

// The text of every <text> element of an SVG, one per line, or the parser's
// complaint: python3's xml.etree refuses anything that is not well-formed.
// Graphviz writes runs of spaces as no-break spaces, which read the same.
bbtest::RunResult svg_texts(const std::string& svg) {
    bbtest::RunOptions options;
    options.input = svg;
    options.env["PYTHONIOENCODING"] = "utf-8";
    return bbtest::run({"/usr/bin/python3", "-c",
                        "import sys, xml.etree.ElementTree as ET\n"
                        "root = ET.fromstring(sys.stdin.buffer.read())\n"
                        "for e in root.iter('{http://www.w3.org/2000/svg}text'):\n"
                        "    print((e.text or '').replace('\\xa0', ' '))\n"},
                       options);
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// Mermaid's entity codes back to text, as Mermaid reads them ("#35;", "#quot;").
std::string mermaid_unescape(std::string text) {
    const std::pair<std::string, std::string> codes[] = {
        {"#quot;", "\""}, {"#lt;", "<"}, {"#gt;", ">"}, {"#amp;", "&"},
        {"#37;", "%"},    {"#96;", "`"}, {"#35;", "#"}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (const auto& [code, plain] : codes)
            if (text.compare(i, code.size(), code) == 0) {
                out += plain;
                i += code.size();
                replaced = true;
                break;
            }
        if (!replaced)
            out += text[i++];
    }
    return out;
}

} // namespace

TEST_CASE("bb-trace: hostile event data comes out of dot -Tsvg as well-formed XML, shown") {
    auto h = hostile_chain();
    if (!h.f)
        return;
    if (!std::filesystem::exists("/usr/bin/dot")) {
        bbtest::skip_test("graphviz's dot is not installed (scripts/setup.sh installs it)");
        return;
    }
    auto r = h.f->trace({h.root, "--format", "dot"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    bbtest::RunOptions to_dot;
    to_dot.input = r.out;
    auto svg = bbtest::run({"/usr/bin/dot", "-Tsvg"}, to_dot);
    REQUIRE_MESSAGE(svg.status == 0, svg.err);
    CHECK(svg.err == "");
    auto texts = svg_texts(svg.out);
    REQUIRE_MESSAGE(texts.status == 0, texts.err);
    auto lines = bbtest::split_lines(texts.out);
    CAPTURE(texts.out);
    CHECK(has_line(lines, shown_type));
    CHECK(has_line(lines, shown_app));
    CHECK(has_line(lines, shown_time));
    CHECK(has_line(lines, "`starts with a backtick"));
    CHECK(has_line(lines, "app=a&b<c>\"d\"#e"));
}

TEST_CASE("bb-trace: hostile event data cannot act as Mermaid syntax") {
    auto h = hostile_chain();
    if (!h.f)
        return;
    auto r = h.f->trace({h.root, "--format", "mermaid"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(r.err == "");
    CAPTURE(r.out);
    // No directive or comment at all, no Markdown string, no entity or HTML
    // of the data's own: only our <br/> between a label's lines.
    CHECK(r.out.find("%%") == std::string::npos);
    CHECK(r.out.find('`') == std::string::npos);
    CHECK(r.out.find('&') == std::string::npos);
    std::string labels;
    for (const std::string& line : bbtest::split_lines(r.out))
        if (line.find("[\"") != std::string::npos)
            labels += line + "\n";
    for (std::size_t at; (at = labels.find("<br/>")) != std::string::npos;)
        labels.erase(at, 5);
    CHECK(labels.find('<') == std::string::npos);
    CHECK(labels.find('>') == std::string::npos);
    std::string readable = mermaid_unescape(r.out);
    // U+FFFE is no trouble in Mermaid's text: only XML (DOT's SVG) refuses it.
    std::string app = shown_app;
    app.replace(app.find("\\ufffe"), 6, "\xef\xbf\xbe");
    for (const std::string& shown :
         {shown_type, app, shown_time, "`starts with a backtick"s, "app=a&b<c>\"d\"#e"s})
        CHECK((readable.find("\"" + shown + "<br/>") != std::string::npos ||
               readable.find("<br/>" + shown + "<br/>") != std::string::npos));
    // Each label is one quoted string: exactly two quotes on a node's line.
    for (const std::string& line : bbtest::split_lines(r.out))
        if (line.find("[\"") != std::string::npos)
            CHECK(std::count(line.begin(), line.end(), '"') == 2);
}

TEST_CASE("bb-trace: a Mermaid diagram over Mermaid's limits says so on stderr") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    // A root with 501 children: 501 edges, one over maxEdges.
    std::string root = f->event();
    for (int i = 0; i < 501; ++i)
        f->link(f->event(), {root});
    auto r = f->trace({root, "--format", "mermaid"});
    CHECK(r.status == 0);
    CHECK(r.err.find("warning: the Mermaid diagram has 501 edges") != std::string::npos);
    auto bounded = f->trace({root, "--format", "mermaid", "--max-nodes", "400"});
    CHECK(bounded.status == 80); // cut by --max-nodes, and said so
    CHECK(bounded.err.find("Mermaid") == std::string::npos);
}
