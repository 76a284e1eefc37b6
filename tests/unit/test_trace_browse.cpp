#include "bloodbank/trace_browse.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace bb;

namespace {

Uuid n(int number) {
    return *parse_uuid(fmt::format("00000000-0000-4000-8000-{:012}", number));
}

// A graph held in a table; counts every read so that laziness can be checked.
class TableSource final : public BrowseSource {
public:
    void link(int parent, int child) {
        children_[parent].push_back(child);
        parents_[child].push_back(parent);
    }
    void type(int event, std::string name) { types_[event] = std::move(name); }

    Result<BrowseLevel> level(const Uuid& id, Direction direction) override {
        ++levels_read;
        if (fail)
            return make_error(ErrorKind::unavailable, "Redis went away");
        int event = number(id);
        BrowseLevel level;
        auto& table = direction == Direction::ancestors ? parents_ : children_;
        for (int other : table[event]) {
            if (level.events.size() == cap) {
                level.truncated = "max-nodes limit reached";
                break;
            }
            level.events.push_back({n(other), known(other), summary(other)});
        }
        return level;
    }
    Result<EventDetails> details(const Uuid& id) override {
        ++details_read;
        int event = number(id);
        EventDetails d;
        d.known = known(event);
        d.summary = summary(event);
        d.parents = parents_[event].size();
        d.children = children_[event].size();
        return d;
    }

    int levels_read = 0;
    int details_read = 0;
    bool fail = false;
    std::size_t cap = 1000;

private:
    static int number(const Uuid& id) { return std::stoi(id.str().substr(24)); }
    bool known(int event) {
        return types_.count(event) || parents_.count(event) || children_.count(event);
    }
    std::optional<EventSummary> summary(int event) {
        if (!types_.count(event))
            return std::nullopt;
        EventSummary s;
        s.event_type = types_[event];
        return s;
    }
    std::map<int, std::vector<int>> parents_, children_;
    std::map<int, std::string> types_;
};

// 1 -> 2 -> 5; 3 -> 5; 5 -> 6 -> 8; 5 -> 7. Event 5 is the one asked about.
void sample(TableSource& source) {
    source.link(1, 2);
    source.link(2, 5);
    source.link(3, 5);
    source.link(5, 6);
    source.link(6, 8);
    source.link(5, 7);
    source.type(1, "order.created");
    source.type(2, "cart.checked");
    source.type(5, "payment.charged");
    source.type(6, "mail.queued");
    source.type(7, "invoice.made");
    source.type(8, "mail.sent");
}

// The sample graph opened on event 5.
struct Opened {
    TableSource source;
    TraceBrowser browser{source};
    Opened() {
        sample(source);
        REQUIRE(browser.open(n(5)));
    }
};

std::vector<Uuid> shown(const TraceBrowser& browser) {
    std::vector<Uuid> out;
    for (const auto& row : browser.rows())
        out.push_back(row.id);
    return out;
}

} // namespace

TEST_CASE("browse: opening shows the event with its parents, then its children, one level") {
    Opened opened;
    auto& [source, browser] = opened;
    CHECK(shown(browser) == std::vector<Uuid>{n(5), n(2), n(3), n(6), n(7)});
    auto rows = browser.rows();
    CHECK(rows[0].mark == TraceBrowser::Mark::root);
    CHECK(rows[1].mark == TraceBrowser::Mark::parent);
    CHECK(rows[3].mark == TraceBrowser::Mark::child);
    CHECK(rows[1].depth == 1);
    CHECK(source.levels_read == 2); // nothing beyond the first level is read
    CHECK(browser.events_loaded() == 5);
    CHECK(browser.selected_id() == n(5));
}

TEST_CASE("browse: an id Redis does not know is not found, and the tree stays") {
    Opened opened;
    auto& [source, browser] = opened;
    auto missing = browser.open(n(99));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK(browser.root_id() == n(5));
    CHECK(browser.rows().size() == 5);
}

TEST_CASE("browse: moving is clamped, expanding loads one level, collapsing hides it") {
    Opened opened;
    auto& [source, browser] = opened;
    browser.move(-3);
    CHECK(browser.selected() == 0);
    browser.move(100);
    CHECK(browser.selected_id() == n(7));
    browser.move(-1); // 6
    REQUIRE(browser.expand());
    CHECK(shown(browser) == std::vector<Uuid>{n(5), n(2), n(3), n(6), n(8), n(7)});
    CHECK(source.levels_read == 3);
    browser.collapse();
    CHECK(shown(browser) == std::vector<Uuid>{n(5), n(2), n(3), n(6), n(7)});
    CHECK(browser.selected_id() == n(6));
    browser.collapse(); // a closed row: up to its tree parent
    CHECK(browser.selected_id() == n(5));
    browser.move(3);
    REQUIRE(browser.expand()); // again: already loaded, nothing read
    CHECK(source.levels_read == 3);
}

TEST_CASE("browse: a parent's row opens into its own parents, leaves say they are leaves") {
    Opened opened;
    auto& [source, browser] = opened;
    browser.move(1); // 2
    REQUIRE(browser.expand());
    CHECK(shown(browser) == std::vector<Uuid>{n(5), n(2), n(1), n(3), n(6), n(7)});
    browser.move(1); // 1, a root
    CHECK(browser.rows()[2].can_expand);
    REQUIRE(browser.expand());
    CHECK_FALSE(browser.rows()[2].can_expand);
}

TEST_CASE("browse: p and c follow causal links whichever way the tree holds them") {
    Opened opened;
    auto& [source, browser] = opened;
    REQUIRE(*browser.jump_parent());
    CHECK(browser.selected_id() == n(2));
    REQUIRE(*browser.jump_parent());
    CHECK(browser.selected_id() == n(1));
    CHECK_FALSE(*browser.jump_parent()); // a root
    REQUIRE(*browser.jump_child());
    CHECK(browser.selected_id() == n(2));
    REQUIRE(*browser.jump_child());
    CHECK(browser.selected_id() == n(5));
    REQUIRE(*browser.jump_child());
    CHECK(browser.selected_id() == n(6));
    REQUIRE(*browser.jump_child());
    CHECK(browser.selected_id() == n(8));
    CHECK_FALSE(*browser.jump_child());
    REQUIRE(*browser.jump_parent());
    CHECK(browser.selected_id() == n(6));
}

TEST_CASE("browse: search by type or id prefix, next match wraps, rows above open") {
    Opened opened;
    auto& [source, browser] = opened;
    browser.move(3); // 6
    REQUIRE(browser.expand());
    browser.collapse(); // 8 is loaded but hidden
    browser.move(-3);
    REQUIRE(browser.search("mail."));
    CHECK(browser.selected_id() == n(6));
    REQUIRE(browser.next_match());
    CHECK(browser.selected_id() == n(8));
    CHECK(shown(browser).size() == 6); // 6 was opened to show it
    REQUIRE(browser.next_match());
    CHECK(browser.selected_id() == n(6)); // wrapped
    REQUIRE(browser.search("00000000-0000-4000-8000-00000000000"));
    CHECK(browser.selected_id() == n(8)); // the next after 6, in tree order
    CHECK(browser.search("00000000-0000-4000-8000-000000000003"));
    CHECK(browser.selected_id() == n(3));
    CHECK_FALSE(browser.search("nothing.like.this"));
    CHECK(browser.selected_id() == n(3)); // no match: the selection stays
}

TEST_CASE("browse: re-rooting loads the selected event's parents and children") {
    Opened opened;
    auto& [source, browser] = opened;
    browser.move(3); // 6
    REQUIRE(browser.reroot());
    CHECK(browser.root_id() == n(6));
    CHECK(shown(browser) == std::vector<Uuid>{n(6), n(5), n(8)});
    CHECK(browser.selected_id() == n(6));
}

TEST_CASE("browse: a cycle is a row that does not open") {
    TableSource source;
    source.link(1, 2);
    source.link(2, 1);
    TraceBrowser browser(source);
    REQUIRE(browser.open(n(1)));
    CHECK(shown(browser) == std::vector<Uuid>{n(1), n(2), n(2)});
    browser.move(1);
    REQUIRE(browser.expand());
    CHECK(shown(browser) == std::vector<Uuid>{n(1), n(2), n(1), n(2)});
    auto rows = browser.rows();
    CHECK(rows[2].cycle);
    CHECK_FALSE(rows[2].can_expand);
    browser.move(1);
    REQUIRE(browser.expand());
    CHECK(shown(browser).size() == 4);
}

TEST_CASE("browse: a cut level is reported and a failed read leaves the tree as it was") {
    TableSource source;
    for (int i = 10; i < 20; ++i)
        source.link(1, i);
    source.cap = 4;
    TraceBrowser browser(source);
    REQUIRE(browser.open(n(1)));
    CHECK(browser.rows().size() == 5);
    REQUIRE(browser.truncations().size() == 1);
    CHECK(browser.truncations()[0] == "00000000: max-nodes limit reached");
    browser.move(1);
    source.fail = true;
    auto failed = browser.expand();
    REQUIRE_FALSE(failed);
    CHECK(failed.error().kind == ErrorKind::unavailable);
    CHECK_FALSE(browser.reroot());
    CHECK(browser.root_id() == n(1));
    CHECK(browser.rows().size() == 5);
}

TEST_CASE("browse: details are read once per event") {
    Opened opened;
    auto& [source, browser] = opened;
    int after_open = source.details_read;
    auto details = browser.details();
    REQUIRE(details);
    CHECK((*details)->parents == 2);
    CHECK((*details)->children == 2);
    CHECK(source.details_read == after_open); // the root's were read by open
    browser.move(2);                          // 3: no summary, known only through its link
    auto other = browser.details();
    REQUIRE(other);
    CHECK_FALSE((*other)->summary);
    CHECK((*other)->children == 1);
    REQUIRE(browser.details());
    CHECK(source.details_read == after_open + 1);
}
