// Expected values were produced by python-dotenv 1.2.2 (DotEnv(...).dict())
// on the same texts, so both systems read a shared .env alike.
#include "bloodbank/dotenv.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

namespace {

using Values = std::map<std::string, std::string>;

bb::EnvLookup no_environment() {
    return [](const std::string&) { return std::optional<std::string>(); };
}

// The last value of each key, as python-dotenv's dict() reports it.
Values parse(std::string_view text, const bb::EnvLookup& lookup = no_environment()) {
    auto entries = bb::parse_dotenv(text, "test.env", lookup);
    REQUIRE_MESSAGE(entries.has_value(), (entries ? "" : entries.error().message));
    Values values;
    for (const auto& entry : *entries) {
        values[entry.key] = entry.value;
    }
    return values;
}

bb::Error parse_error(std::string_view text) {
    auto entries = bb::parse_dotenv(text, "conf/.env", no_environment());
    REQUIRE_FALSE(entries.has_value());
    return entries.error();
}

} // namespace

TEST_CASE("dotenv: plain assignments are trimmed around key and value") {
    CHECK(parse("A=1\nB = two words  \n") == Values{{"A", "1"}, {"B", "two words"}});
}

TEST_CASE("dotenv: the export prefix is optional, and export alone is a key") {
    CHECK(parse("export A=x\nexport   B=y\nexport=z\n") ==
          Values{{"A", "x"}, {"B", "y"}, {"export", "z"}});
}

TEST_CASE("dotenv: comments are whole lines or start at whitespace before #") {
    Values values = parse("# whole line\n  # indented\nA=value # trailing\nB=value#not-comment\n"
                          "C='quoted' # c\nD=\"dq\"#c\nE= # empty?\n");
    CHECK(values == Values{{"A", "value"},
                           {"B", "value#not-comment"},
                           {"C", "quoted"},
                           {"D", "dq"},
                           {"E", "# empty?"}}); // python-dotenv's quirk, kept
}

TEST_CASE("dotenv: blank lines and a missing final newline are fine") {
    CHECK(parse("\n\n   \nA=1\n\r\nB=2") == Values{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("dotenv: single quotes keep everything but escaped quotes and backslashes") {
    Values values = parse("A='lit \\n $ \\\\ \\' x'\nB='  keep  spaces  '\n");
    CHECK(values.at("A") == "lit \\n $ \\ ' x");
    CHECK(values.at("B") == "  keep  spaces  ");
}

TEST_CASE("dotenv: double quotes decode C escapes and may span lines") {
    Values values = parse("A=\"a\\nb\\tc \\\" \\\\ \\x\"\nB=\"multi\nline\"\n");
    CHECK(values.at("A") == "a\nb\tc \" \\ \\x");
    CHECK(values.at("B") == "multi\nline");
}

TEST_CASE("dotenv: escaped quotes inside quoted values") {
    Values values = parse("A='it\\'s'\nB=\"say \\\"hi\\\"\"\n");
    CHECK(values.at("A") == "it's");
    CHECK(values.at("B") == "say \"hi\"");
}

TEST_CASE("dotenv: a # inside quotes is part of the value") {
    CHECK(parse("A='a #b'\nB=\"c #d\"\n") == Values{{"A", "a #b"}, {"B", "c #d"}});
}

TEST_CASE("dotenv: CRLF line endings") {
    CHECK(parse("A=1\r\nB='x'\r\nC=3") == Values{{"A", "1"}, {"B", "x"}, {"C", "3"}});
}

TEST_CASE("dotenv: empty values") {
    CHECK(parse("A=\nB=''\nC=\"\"\n") == Values{{"A", ""}, {"B", ""}, {"C", ""}});
}

TEST_CASE("dotenv: a bare key has no value and gives no entry") {
    CHECK(parse("A\nB=1 \n") == Values{{"B", "1"}});
}

TEST_CASE("dotenv: a quoted key") {
    CHECK(parse("'A'=1\n") == Values{{"A", "1"}});
}

TEST_CASE("dotenv: the last of duplicate keys wins") {
    CHECK(parse("A=1\nA=2\n") == Values{{"A", "2"}});
}

TEST_CASE("dotenv: variables and their defaults expand in every kind of value") {
    Values values = parse("A=x\nB=${A}-${NOPE:-dflt}-${NOPE}\nC='${A}'\nD=${A:x}\nE=$A\n");
    CHECK(values == Values{{"A", "x"}, {"B", "x-dflt-"}, {"C", "x"}, {"D", "${A:x}"}, {"E", "$A"}});
}

TEST_CASE("dotenv: the environment beats the file when expanding") {
    auto lookup = [](const std::string& name) {
        return name == "A" ? std::optional<std::string>("from-env") : std::nullopt;
    };
    CHECK(parse("A=x\nB=${A}\n", lookup).at("B") == "from-env");
}

TEST_CASE("dotenv: a URL value loses its trailing comment only") {
    CHECK(parse("RABBIT_URL=amqp://u:p%40ss@h:5672/%2f # broker\n").at("RABBIT_URL") ==
          "amqp://u:p%40ss@h:5672/%2f");
}

TEST_CASE("dotenv: entries record the line their statement starts on") {
    auto entries = bb::parse_dotenv("# c\n\nA=1\nB=\"x\ny\"\nC=3\n", "f", no_environment());
    REQUIRE(entries.has_value());
    REQUIRE(entries->size() == 3);
    CHECK((*entries)[0].line == 3);
    CHECK((*entries)[1].line == 4);
    CHECK((*entries)[2].line == 6);
}

TEST_CASE("dotenv: a line python-dotenv cannot parse is a usage error naming file and line") {
    struct Case {
        std::string text;
        std::string where;
    };
    const Case cases[] = {
        {"RABBIT_URL amqp://guest:s3cr3t@h/\n", "conf/.env:1:"},
        {"=value\n", "conf/.env:1:"},
        {"A='unterminated\n", "conf/.env:1:"},
        {"A=\"x\" junk\n", "conf/.env:1:"},
        {"A=1\n\nB s3cr3t\n", "conf/.env:3:"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        bb::Error error = parse_error(c.text);
        CHECK(error.kind == bb::ErrorKind::usage);
        CHECK(bb::exit_code(error.kind) == 64);
        CHECK(error.message.starts_with(c.where));
        CHECK(error.message.find("cannot parse") != std::string::npos);
        // The line's text may hold a password: it is never echoed.
        CHECK(error.message.find("s3cr3t") == std::string::npos);
    }
}
