// bb-trace's command line as a user types it: every word is used or refused,
// each subcommand's --help lists what it takes, and "-" reads ids from stdin.
#include "support/lines.hpp"
#include "support/ports.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <algorithm>

namespace {

// The option names a --help text lists ("--depth", "--format", ...).
bool lists(const std::string& help, const std::string& option) {
    return help.find("  " + option + " ") != std::string::npos ||
           help.find(", " + option + " ") != std::string::npos ||
           help.find("  " + option + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("bb-trace: words after a subcommand's own are a usage error, not ignored") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event();
    f->link(b, {a});
    for (std::vector<std::string> args : {std::vector<std::string>{"link", a, b, "junk"},
                                          {"parents", b, "junk"},
                                          {"descendants", a, a},
                                          {"dump", a, "junk"}}) {
        CAPTURE(args[0]);
        auto r = f->trace(args);
        CHECK(r.status == 64);
        CHECK(r.out.empty());
        CHECK(r.err.find("not expected: " + args.back()) != std::string::npos);
    }
    // The link was not written again with a third word ignored: still one parent.
    auto parents = f->trace({"parents", b});
    CHECK(bbtest::split_lines(parents.out) == std::vector<std::string>{a});
}

TEST_CASE("bb-trace: an option a subcommand does not take is refused") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = f->event();
    CHECK(f->trace({"descendants", id, "--reason", "x"}).status == 64);
    CHECK(f->trace({"link", id, f->event(), "--depth", "3"}).status == 64);
    CHECK(f->trace({"serve", "--format", "json"}).status == 64);
}

TEST_CASE("bb-trace: the usage line shows the forms the parser takes") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto help = f->trace({"--help"});
    REQUIRE(help.status == 0);
    CHECK(help.out.find("Usage: bb-trace [OPTIONS] ID\n") != std::string::npos);
    CHECK(help.out.find("bb-trace [OPTIONS] parents|children|ancestors|descendants|dump ID\n") !=
          std::string::npos);
    // The form it shows no longer: an id before the subcommand.
    std::string id = f->event();
    CHECK(f->trace({id, "descendants"}).status == 64);
}

TEST_CASE("bb-trace: each subcommand's --help lists the options it takes, and only those") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto help = [&](const std::string& sub) {
        auto r = f->trace({sub, "--help"});
        REQUIRE(r.status == 0);
        return r.out;
    };
    std::string descendants = help("descendants");
    for (const char* option : {"--depth", "--max-nodes", "--format", "--color", "--no-pager",
                               "--stats", "--timeout", "--redis-url", "--env-file"})
        CHECK_MESSAGE(lists(descendants, option), option);
    CHECK_FALSE(lists(descendants, "--reason"));
    CHECK_FALSE(lists(descendants, "--http-port"));
    std::string link = help("link");
    CHECK(lists(link, "--reason"));
    CHECK(lists(link, "--redis-url"));
    CHECK(lists(link, "--ttl-days"));
    CHECK_FALSE(lists(link, "--depth"));
    CHECK_FALSE(lists(link, "--format"));
    std::string serve = help("serve");
    CHECK(lists(serve, "--http-port"));
    CHECK(lists(serve, "--max-nodes"));
    CHECK_FALSE(lists(serve, "--format"));
    // What --help lists is accepted: the options given after the subcommand.
    std::string id = f->event();
    f->link(f->event(), {id});
    auto r = f->trace({"descendants", id, "--depth", "3", "--max-nodes", "9", "--format", "json",
                       "--color", "never", "--no-pager", "--timeout", "2"});
    CHECK_MESSAGE(r.status == 0, r.err);
}

TEST_CASE("bb-trace: - reads the ids from stdin and answers each in turn") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), a1 = f->event(), b = f->event(), b1 = f->event();
    f->link(a1, {a});
    f->link(b1, {b});
    auto options = f->options();
    options.input = a + "\n\n  " + b + " \r\n";
    auto r = f->trace({"descendants", "-"}, options);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(bbtest::split_lines(r.out) == std::vector<std::string>{a, a1, b, b1});
    // An unknown id among them: the others are still answered, and the
    // status says one was not found.
    std::string unknown = f->event();
    options.input = unknown + "\n" + b + "\n";
    r = f->trace({"children", "-"}, options);
    CHECK(r.status == 66);
    CHECK(bbtest::split_lines(r.out) == std::vector<std::string>{b1});
    CHECK(r.err.find(unknown) != std::string::npos);
    // No input, nothing to do.
    options.input = "";
    r = f->trace({"ancestors", "-"}, options);
    CHECK(r.status == 0);
    CHECK(r.out.empty());
}

TEST_CASE("bb-trace: a bad line on stdin refuses the whole list before Redis is asked") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    bbtest::RefusedPort no_redis;
    auto options = f->options();
    options.env["REDIS_PORT"] = std::to_string(no_redis.port());
    options.input = f->event() + "\nnot-an-id\n";
    auto r = f->trace({"descendants", "-"}, options);
    CHECK(r.status == 65);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-trace: stdin: line 2: \"not-an-id\" is not a valid event id: expected 36 "
                   "characters (8-4-4-4-12), got 9\n");
}

TEST_CASE("bb-trace: a misspelt subcommand is named with the one meant") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = f->event();
    for (std::vector<std::string> args : {std::vector<std::string>{"decendants", id},
                                          {"decendants"},
                                          {"Parnets", id},
                                          {"--depth", "3", "ancestor", id}}) {
        CAPTURE(args[0]);
        auto r = f->trace(args);
        CHECK(r.status == 64);
        CHECK(r.out.empty());
        CHECK(r.err.find("did you mean") != std::string::npos);
    }
    CHECK(f->trace({"decendants", id}).err.find("did you mean descendants?") != std::string::npos);
    CHECK(f->trace({"Parnets", id}).err.find("did you mean parents?") != std::string::npos);
    // A word near no subcommand is still a malformed id.
    auto far = f->trace({"xyz"});
    CHECK(far.status == 65);
    CHECK(far.err.find("did you mean") == std::string::npos);
}
