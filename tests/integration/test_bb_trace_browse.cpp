// bb-trace browse against the real Redis, in a real terminal (tmux): open,
// move, expand, collapse, jump, search, re-root, quit, and the chosen id
// through id=$(bb-trace browse ID).
#include "support/lines.hpp"
#include "test_bb_trace_browse_tmux.hpp"
#include "test_bb_trace_fixtures.hpp"

namespace {

// grandparent -> parent -> event -> child -> grandchild, each with its type.
struct Chain {
    std::string grandparent, parent, event, child, grandchild;
};
Chain chain(tracetest::Fixture& f) {
    Chain c{f.event(), f.event(), f.event(), f.event(), f.event()};
    f.link(c.parent, {c.grandparent});
    f.link(c.event, {c.parent}, R"({"reason":"retry"})");
    f.link(c.child, {c.event});
    f.link(c.grandchild, {c.child});
    f.summary(c.grandparent, "order.created", "2025-10-18T14:00:00Z");
    f.summary(c.parent, "cart.checked", "2025-10-18T14:00:01Z");
    f.summary(c.event, "payment.charged", "2025-10-18T14:00:02Z", "billing", "pay-host", "cron");
    f.summary(c.child, "mail.queued", "2025-10-18T14:00:03Z");
    f.summary(c.grandchild, "mail.sent", "2025-10-18T14:00:04Z");
    return c;
}

std::string shorter(const std::string& id) {
    return id.substr(0, 8);
}

// The id line of the details pane: what is selected.
std::string selected_line(const std::string& id) {
    return "id       " + id;
}

// Whether the terminal comes to show `id` as the selected event.
bool selects(browsetest::Terminal& term, const std::string& id) {
    return term.wait_for(selected_line(id)).find(selected_line(id)) != std::string::npos;
}

// bb-trace browse ID in a new terminal, against the fixture's Redis.
std::unique_ptr<browsetest::Terminal> browse(tracetest::Fixture& f, const std::string& id,
                                             const std::string& extra = "",
                                             const std::string& options = "") {
    return std::make_unique<browsetest::Terminal>(browsetest::browse_command(
        f.services().redis_host, f.services().redis_port, id, extra, options));
}

// `/`, the query, Enter, as a person types a search.
void search(browsetest::Terminal& term, const std::string& query) {
    term.keys({"/"});
    term.text(query);
    term.keys({"Enter"});
}

} // namespace

TEST_CASE("browse: opens on the event's parents and children, moves, expands and collapses") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Chain c = chain(*f);
    auto term = browse(*f, c.event);
    std::string screen = term->wait_for("rows,");
    CHECK(screen.find(shorter(c.event) + " payment.charged") != std::string::npos);
    CHECK(screen.find(shorter(c.parent) + " cart.checked") != std::string::npos);
    CHECK(screen.find(shorter(c.child) + " mail.queued") != std::string::npos);
    CHECK(screen.find(shorter(c.grandparent)) == std::string::npos); // one level only
    CHECK(screen.find(shorter(c.grandchild)) == std::string::npos);
    // The details of the event itself: its record, its link, its counts.
    CHECK(screen.find(selected_line(c.event)) != std::string::npos);
    CHECK(screen.find("host pay-host  app billing  type cron") != std::string::npos);
    CHECK(screen.find("reason retry") != std::string::npos);
    CHECK(screen.find("1 parents, 1 children") != std::string::npos);
    CHECK(screen.find("3 rows, 3 events loaded") != std::string::npos);

    term->keys({"j"}); // the parent
    CHECK(term->wait_for(selected_line(c.parent)).find("cart.checked") != std::string::npos);
    term->keys({"Enter"}); // opens into its own parent
    screen = term->wait_for(shorter(c.grandparent));
    CHECK(screen.find(shorter(c.grandparent) + " order.created") != std::string::npos);
    term->keys({"Left"}); // closes it again
    CHECK(term->wait_without(shorter(c.grandparent)).find(shorter(c.grandparent)) ==
          std::string::npos);
    term->keys({"Down", "Right"}); // the child, opened with →
    screen = term->wait_for(shorter(c.grandchild));
    CHECK(screen.find(shorter(c.grandchild) + " mail.sent") != std::string::npos);
    CHECK(screen.find(selected_line(c.child)) != std::string::npos);
    term->keys({"k", "k"});
    CHECK(selects(*term, c.event));
    term->keys({"q"});
}

TEST_CASE("browse: p and c follow the links, / and n search, r re-roots") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Chain c = chain(*f);
    auto term = browse(*f, c.event);
    term->wait_for("rows,");
    term->keys({"p"});
    CHECK(selects(*term, c.parent));
    term->keys({"p"}); // loads the grandparent on the way
    CHECK(term->wait_for(selected_line(c.grandparent)).find("order.created") != std::string::npos);
    term->keys({"c", "c", "c"});
    CHECK(selects(*term, c.child));

    // By type among the loaded events, then by id prefix.
    search(*term, "cart.");
    CHECK(selects(*term, c.parent));
    search(*term, shorter(c.child));
    CHECK(selects(*term, c.child));
    search(*term, "mail.");
    CHECK(selects(*term, c.child));
    term->keys({"n"}); // mail.sent is not loaded yet: the same match again
    term->keys({"Right", "n"});
    CHECK(term->wait_for(selected_line(c.grandchild)).find("mail.sent") != std::string::npos);
    search(*term, "no.such.type");
    CHECK(term->wait_for("no match for no.such.type").find(selected_line(c.grandchild)) !=
          std::string::npos);

    // Re-rooted on the grandchild: its parent is above it, nothing else.
    term->keys({"r"});
    std::string screen = term->wait_for("2 rows,");
    auto first_line = screen.substr(0, screen.find('\n'));
    CHECK(first_line.find(shorter(c.grandchild) + " mail.sent") != std::string::npos);
    CHECK(screen.find(shorter(c.child) + " mail.queued") != std::string::npos);
    CHECK(screen.find(shorter(c.event) + " ") == std::string::npos);
    term->keys({"q"});
}

TEST_CASE("browse: y prints the selected id on stdout, so id=$(bb-trace browse ID) works") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Chain c = chain(*f);
    for (auto [keys, expected] :
         {std::pair{std::vector<std::string>{"j", "y"}, "0|" + c.parent + "\n"},
          std::pair{std::vector<std::string>{"Tab", "Enter"}, "0|" + c.event + "\n"},
          std::pair{std::vector<std::string>{"j", "q"}, std::string("0|\n")}}) {
        CAPTURE(keys.back());
        std::string saved = bb::uuid_v4().str();
        std::string line = "id=$(" +
                           browsetest::browse_command(f->services().redis_host,
                                                      f->services().redis_port, c.event) +
                           "); printf '%s|%s\\n' \"$?\" \"$id\" > " + saved + "; sleep 60";
        browsetest::Terminal term(line);
        term.wait_for("rows,");
        term.keys(keys);
        CHECK(browsetest::wait_for_file(term.file(saved)) == expected);
    }
}

TEST_CASE("browse: text from Redis is shown escaped, an unknown parent is marked unknown") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string gone = f->event(), event = f->event();
    f->link(event, {gone}, R"({"reason":"retry\u001b[2J\u001b]0;owned\u0007"})");
    f->summary(event, "evil\x1b[31m.type", "2025-10-18T14:00:02Z", "app\r\nx");
    f->redis().command({"DEL", tracetest::Fixture::reverse(gone)}); // the parent's keys expired
    auto term = browse(*f, event);
    std::string screen = term->wait_for("rows,");
    CHECK(screen.find(R"(evil\x1b[31m.type)") != std::string::npos);
    CHECK(screen.find(R"(app app\r\nx)") != std::string::npos);
    CHECK(screen.find(R"(reason retry\x1b[2J\x1b]0;owned\x07)") != std::string::npos);
    CHECK(screen.find(shorter(gone) + " (unknown to Redis)") != std::string::npos);
    term->keys({"j"});
    screen = term->wait_for(selected_line(gone));
    CHECK(screen.find(selected_line(gone) + "  (unknown to Redis)") != std::string::npos);
    CHECK(screen.find("type     unknown") != std::string::npos);
    CHECK(screen.find("0 parents, 0 children") != std::string::npos);
    term->keys({"q"});
}

TEST_CASE("browse: a level cut by --max-nodes says so on the status line") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string event = f->event();
    for (int i = 0; i < 30; ++i)
        f->link(f->event(), {event});
    auto term = browse(*f, event, "", "--max-nodes 5");
    std::string screen = term->wait_for("rows,");
    CHECK(screen.find("6 rows, 6 events loaded, truncated: " + shorter(event)) !=
          std::string::npos);
    CHECK(screen.find("0 parents, 30 children") != std::string::npos);
    term->keys({"q"});
}

TEST_CASE("browse: colour unless NO_COLOR is set") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Chain c = chain(*f);
    for (auto [extra, coloured] : {std::pair{"TERM=xterm-256color", true},
                                   std::pair{"TERM=xterm-256color NO_COLOR=1", false}}) {
        CAPTURE(extra);
        auto term = browse(*f, c.event, extra);
        term->wait_for("rows,");
        std::string screen = term->screen(true);
        CHECK((screen.find("\x1b[36m") != std::string::npos) == coloured);
        term->keys({"q"});
    }
}

TEST_CASE("browse: without a terminal it refuses with 64 and says why") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Chain c = chain(*f);
    auto r = f->trace({"browse", c.event}); // stdin and stdout are pipes
    CHECK(r.status == 64);
    CHECK(r.out.empty());
    CHECK(r.err.find("browse needs a terminal") != std::string::npos);
}

TEST_CASE("browse: wide text is cut to the screen by its columns, not wrapped") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string event = f->event(), child = f->event();
    f->link(child, {event});
    std::string wide;
    for (int i = 0; i < 60; ++i)
        wide += "宽"; // two columns each: 120 in all
    f->summary(event, wide, "2025-10-18T14:00:02Z");
    f->summary(child, "after.wide", "2025-10-18T14:00:03Z");
    auto term = browse(*f, event, "LC_ALL=C.UTF-8");
    std::string screen = term->wait_for("rows,");
    std::vector<std::string> lines = bbtest::split_lines(screen);
    REQUIRE(lines.size() >= 2);
    // The event's row holds as many wide characters as fit after its prefix
    // ("▾● ", the short id and a space: 12 columns), and the child's row follows it.
    std::string fitted;
    for (int i = 0; i < (80 - 12) / 2; ++i)
        fitted += "宽";
    CHECK(lines[0].find(shorter(event) + " " + fitted) != std::string::npos);
    CHECK(lines[0].find(fitted + "宽") == std::string::npos);
    CHECK(lines[1].find(shorter(child) + " after.wide") != std::string::npos);
    term->keys({"q"});
}

TEST_CASE("browse: an event Redis does not know exits 66 before drawing, naming it") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string unknown = f->event(), saved = f->event();
    browsetest::Terminal term(
        browsetest::browse_command(f->services().redis_host, f->services().redis_port, unknown) +
        " 2> " + saved + ".err; echo $? > " + saved + "; sleep 60");
    CHECK(browsetest::wait_for_file(term.file(saved)) == "66\n");
    std::string err = browsetest::wait_for_file(term.file(saved + ".err"));
    CHECK(err.find("bb-trace: event " + unknown + " not found in Redis at redis://") == 0);
}
