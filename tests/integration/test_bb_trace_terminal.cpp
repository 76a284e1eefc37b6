// bb-trace at a terminal, as a person uses it: a tmux session of a given size
// runs a shell, the test types the command and reads the screen. The pager
// is a child bb-trace waits for, a pager that cannot run loses nothing, and
// whether to page counts the rows the screen shows.
#include "support/lines.hpp"
#include "support/skip.hpp"
#include "support/tmux.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace {

// A chain of `length` events, the first returned first.
std::vector<std::string> chain(tracetest::Fixture& f, int length, const std::string& type = "") {
    std::vector<std::string> ids = {f.event()};
    for (int i = 1; i < length; ++i) {
        ids.push_back(f.event());
        f.link(ids.back(), {ids[i - 1]});
    }
    if (!type.empty())
        for (const auto& id : ids)
            f.summary(id, type, "2025-10-18T14:03:07+00:00");
    return ids;
}

std::map<std::string, std::string> shell_env(const tracetest::Fixture& f) {
    auto env = f.options().env;
    env["PATH"] = "/usr/bin:/bin";
    env["HOME"] = f.options().cwd.value_or("/tmp");
    return env;
}

// What the shell printed after the command: "status:N" (the typed command
// line shows "status:$?").
std::optional<int> status_on(const std::string& screen) {
    std::smatch m;
    if (std::regex_search(screen, m, std::regex("status:([0-9]+)")))
        return std::stoi(m[1]);
    return std::nullopt;
}

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::unique_ptr<bbtest::Tmux> terminal(tracetest::Fixture& f, int columns, int rows,
                                       std::map<std::string, std::string> extra = {}) {
    auto env = shell_env(f);
    for (auto& [name, value] : extra)
        env[name] = value;
    auto t = std::make_unique<bbtest::Tmux>(columns, rows, env);
    if (!t->started()) {
        bbtest::skip_test("tmux is not installed (scripts/setup.sh installs it)");
        return nullptr;
    }
    return t;
}

void type_command(bbtest::Tmux& t, const std::string& args) {
    t.keys("cd " + t.dir().string() + " && " + bbtest::binary("bb-trace") + " " + args +
               "; echo status:$?",
           true);
    t.keys("Enter");
}

} // namespace

TEST_CASE("bb-trace: Ctrl-C in the pager leaves no pager behind") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto ids = chain(*f, 40);
    auto t = terminal(*f, 80, 24, {{"PAGER", "less"}});
    if (!t)
        return;
    type_command(*t, ids[0]);
    // The second event's id: the typed command line shows only the first's.
    std::string second = ids[1].substr(0, 8);
    REQUIRE(t->wait_for([&](const std::string& s) {
        return s.find(second) != std::string::npos && !status_on(s);
    }));
    REQUIRE(t->processes("less").size() == 1);
    t->keys("C-c");
    // Were bb-trace to die of the Ctrl-C, the shell would print its status
    // at once while less went on reading the keyboard.
    CHECK_FALSE(t->wait_for([](const std::string& s) { return status_on(s).has_value(); }, 2));
    CHECK(t->processes("bb-trace").size() == 1);
    t->keys("q");
    REQUIRE(t->wait_for([](const std::string& s) { return status_on(s).has_value(); }));
    CHECK(status_on(t->screen()) == 0);
    CHECK(t->processes("less").empty());
    CHECK(t->processes("bb-trace").empty());
}

TEST_CASE("bb-trace: a pager that cannot run loses nothing") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto ids = chain(*f, 40);
    for (const char* pager : {"no-such-pager", "no-such-pager -R", "/nonexistent/less"}) {
        CAPTURE(pager);
        auto t = terminal(*f, 80, 24, {{"PAGER", pager}});
        if (!t)
            return;
        type_command(*t, ids[0] + " 2>err.txt");
        REQUIRE(t->wait_for([](const std::string& s) { return status_on(s).has_value(); }));
        std::string screen = t->screen();
        CAPTURE(screen);
        CHECK(status_on(screen) == 0);
        // The end of the tree is on the screen, and the warning says why.
        CHECK(screen.find(ids.back().substr(0, 8)) != std::string::npos);
        std::string err = read(t->dir() / "err.txt");
        CHECK(err.find("not found; printing without a pager") != std::string::npos);
    }
}

TEST_CASE("bb-trace: a tree paged by the rows it takes on the screen, wrapped lines counted") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    // 10 rows, each wider than 40 columns: 20 and more rows on a 40x12 screen.
    auto ids = chain(*f, 10, std::string(60, 't'));
    auto t = terminal(*f, 40, 12, {{"PAGER", "cat > paged.txt"}});
    if (!t)
        return;
    type_command(*t, ids[0] + " --width 200");
    REQUIRE(t->wait_for([](const std::string& s) { return status_on(s).has_value(); }));
    CHECK(status_on(t->screen()) == 0);
    CHECK(read(t->dir() / "paged.txt").find(ids.back().substr(0, 8)) != std::string::npos);
    // The same tree on a screen tall enough is not paged.
    std::filesystem::remove(t->dir() / "paged.txt");
    auto tall = terminal(*f, 40, 60, {{"PAGER", "cat > paged.txt"}});
    type_command(*tall, ids[0] + " --width 200");
    REQUIRE(tall->wait_for([](const std::string& s) { return status_on(s).has_value(); }));
    CHECK_FALSE(std::filesystem::exists(tall->dir() / "paged.txt"));
}

namespace {

// Terminal columns of the characters this test uses, by hand: CJK and emoji
// take two, the combining acute and the zero-width space none.
std::size_t columns(const std::string& text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        std::string c = text.substr(i, length);
        if (c == "\xe9\x9b\xaa" || c == "\xf0\x9f\x8e\x89")
            width += 2;
        else if (c != "\xcc\x81" && c != "\xe2\x80\x8b")
            width += 1;
        i += length;
    }
    return width;
}

} // namespace

TEST_CASE("bb-trace: the tree fits the terminal's width, columns aligned at any depth") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    const std::vector<std::string> types = {
        "\xe9\x9b\xaa\xe9\x9b\xaa\xe9\x9b\xaa.snow", "\xf0\x9f\x8e\x89.party",
        "cafe\xcc\x81.opened", "zero\xe2\x80\x8bwidth.type",
        "a.very.long.event.type.that.goes.on.and.on.and.on.for.ever.and.ever"};
    std::vector<std::string> ids = {f->event()};
    for (int i = 1; i < 45; ++i) {
        ids.push_back(f->event());
        f->link(ids.back(), {ids[i - 1]});
    }
    for (std::size_t i = 0; i < ids.size(); ++i)
        f->summary(ids[i], types[i % types.size()], "2025-10-18T14:03:07+00:00",
                   i % 2 ? "an-app-with-a-rather-long-name" : "app");
    for (int width : {40, 80, 200}) {
        CAPTURE(width);
        auto t = terminal(*f, width, 60);
        if (!t)
            return;
        type_command(*t, ids[0] + " --no-pager");
        REQUIRE(t->wait_for([](const std::string& s) { return status_on(s).has_value(); }));
        std::string screen = t->screen();
        CAPTURE(screen);
        CHECK(status_on(screen) == 0);
        // One screen line per event, none wrapped, each id in the same column.
        std::set<std::size_t> id_columns;
        for (const auto& id : ids) {
            std::string short_id = id.substr(0, 8);
            std::size_t found = 0;
            for (const auto& line : bbtest::split_lines(screen)) {
                std::size_t at = line.find("  " + short_id);
                if (at == std::string::npos)
                    continue;
                ++found;
                id_columns.insert(columns(line.substr(0, at)));
                CHECK(columns(line) <= static_cast<std::size_t>(width));
            }
            CHECK(found == 1);
        }
        CHECK(id_columns.size() == 1);
    }
}
