// Config never touches the real environment here: every test passes its own
// getenv and its own .env file in a fresh temporary directory.
#include "bloodbank/config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "bb-config-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, const std::string& text) const {
        fs::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << text;
        return file.string();
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

using Env = std::map<std::string, std::string>;

bb::ConfigSources sources(const std::string& dotenv_path, Env env = {}) {
    bb::ConfigSources s;
    s.dotenv_path = dotenv_path;
    s.getenv = [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return s;
}

bb::Config load(const bb::ConfigSources& s) {
    auto config = bb::Config::load(s);
    REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error().message));
    return *config;
}

// No .env file, an empty environment: the built-in defaults only.
bb::Config defaults(Env env = {}) {
    return load(sources("", std::move(env)));
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("config: the defaults are the Python system's") {
    bb::Config config = defaults();
    const std::map<std::string, std::string> expected = {
        {"RABBIT_URL", "amqp://guest:guest@localhost:5672/"},
        {"RABBIT_PASSWORD_FILE", ""}, // ours, like the TLS files: unset
        {"RABBIT_CACERT", ""},
        {"RABBIT_CERT", ""},
        {"RABBIT_KEY", ""},
        {"EXCHANGE_NAME", "bloodbank.events.v1"},
        {"REDIS_URL", ""},
        {"REDIS_HOST", "localhost"},
        {"REDIS_PORT", "6379"},
        {"REDIS_DB", "0"},
        {"REDIS_PASSWORD", ""},
        {"REDIS_PASSWORD_FILE", ""},
        {"REDIS_USERNAME", ""}, // ours: Redis over TLS and ACL users
        {"REDIS_TLS", ""},
        {"REDIS_CACERT", ""},
        {"REDIS_CERT", ""},
        {"REDIS_KEY", ""},
        {"REDIS_SENTINELS", ""}, // ours: no Sentinel unless set
        {"REDIS_SENTINEL_MASTER", ""},
        {"REDIS_CLUSTER", ""}, // ours: one server unless a cluster is named
        {"CORRELATION_TTL_DAYS", "30"},
        {"SERVICE_NAME", "bloodbank"},
        {"ENVIRONMENT", "development"},
        {"HTTP_HOST", "127.0.0.1"},
        {"HTTP_PORT", "8682"},
        {"BB_SPOOL_DIR", ""}, // ours: off unless set
    };
    CHECK(config.all().size() == expected.size());
    for (const auto& [name, value] : expected) {
        const auto& variable = name; // clang 14 cannot capture a binding
        CAPTURE(variable);
        CHECK(config.value(name) == value);
        CHECK(config.get(name).origin == bb::Origin::default_value);
        CHECK_FALSE(config.is_set(name));
        CHECK_FALSE(config.get(name).help.empty());
    }
    CHECK(config.get("REDIS_PASSWORD").secret);
    CHECK_FALSE(config.get("REDIS_HOST").secret);
}

TEST_CASE("config: precedence is default < .env < environment < flag") {
    TempDir dir;
    std::string dotenv = dir.write(".env", "EXCHANGE_NAME=from-dotenv\nSERVICE_NAME=from-dotenv\n"
                                           "ENVIRONMENT=from-dotenv\n");
    bb::Config config =
        load(sources(dotenv, {{"SERVICE_NAME", "from-env"}, {"ENVIRONMENT", "from-env"}}));
    config.set_flag("ENVIRONMENT", "from-flag");

    CHECK(config.value("HTTP_HOST") == "127.0.0.1");
    CHECK(config.get("HTTP_HOST").origin == bb::Origin::default_value);
    CHECK(config.value("EXCHANGE_NAME") == "from-dotenv");
    CHECK(config.get("EXCHANGE_NAME").origin == bb::Origin::dotenv);
    CHECK(config.value("SERVICE_NAME") == "from-env");
    CHECK(config.get("SERVICE_NAME").origin == bb::Origin::environment);
    CHECK(config.value("ENVIRONMENT") == "from-flag");
    CHECK(config.get("ENVIRONMENT").origin == bb::Origin::flag);
    CHECK(config.is_set("EXCHANGE_NAME"));
    CHECK(config.is_set("ENVIRONMENT"));
}

TEST_CASE("config: a flag beats a default too, and an empty environment value still counts") {
    TempDir dir;
    std::string dotenv = dir.write(".env", "REDIS_PASSWORD=from-dotenv\n");
    bb::Config config = load(sources(dotenv, {{"REDIS_PASSWORD", ""}}));
    CHECK(config.value("REDIS_PASSWORD").empty());
    CHECK(config.get("REDIS_PASSWORD").origin == bb::Origin::environment);
    config.set_flag("HTTP_PORT", "9000");
    CHECK(config.value("HTTP_PORT") == "9000");
    CHECK(config.get("HTTP_PORT").origin == bb::Origin::flag);
}

TEST_CASE("config: origin names") {
    CHECK(bb::to_string(bb::Origin::default_value) == "default");
    CHECK(bb::to_string(bb::Origin::dotenv) == ".env");
    CHECK(bb::to_string(bb::Origin::environment) == "environment");
    CHECK(bb::to_string(bb::Origin::flag) == "flag");
}

TEST_CASE("config: .env keys that are not settings are ignored") {
    TempDir dir;
    std::string dotenv = dir.write(".env", "OPENAI_API_KEY=sk-xyz\nexchange_name=lowercase\n"
                                           "DATABASE_URL=\"postgres://u:p@db/x\"\n"
                                           "EXCHANGE_NAME='quoted.exchange' # ours\n");
    bb::Config config = load(sources(dotenv));
    CHECK(config.value("EXCHANGE_NAME") == "quoted.exchange");
    CHECK(config.all().size() == bb::Config::names().size());
    CHECK_THROWS_AS(config.get("OPENAI_API_KEY"), std::out_of_range);
}

TEST_CASE("config: .env values use the python-dotenv rules") {
    TempDir dir;
    std::string dotenv = dir.write(".env", "# broker\n"
                                           "export RABBIT_USER=app\n"
                                           "RABBIT_URL=amqp://${RABBIT_USER}:pw@rabbit/%2f\n"
                                           "SERVICE_NAME=\"svc\\tname\"\n"
                                           "ENVIRONMENT=  staging   # comment\n");
    bb::Config config = load(sources(dotenv));
    CHECK(config.value("RABBIT_URL") == "amqp://app:pw@rabbit/%2f");
    CHECK(config.value("SERVICE_NAME") == "svc\tname");
    CHECK(config.value("ENVIRONMENT") == "staging");
}

TEST_CASE("config: a missing .env is fine unless it was asked for") {
    TempDir dir;
    auto missing = sources(dir.file("nope.env"));
    CHECK(load(missing).value("EXCHANGE_NAME") == "bloodbank.events.v1");

    missing.dotenv_required = true;
    auto config = bb::Config::load(missing);
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().kind == bb::ErrorKind::not_found);
    CHECK(bb::exit_code(config.error().kind) == 66);
    CHECK(contains(config.error().message, "nope.env"));
}

TEST_CASE("config: a malformed .env is a usage error naming file and line") {
    TempDir dir;
    std::string dotenv = dir.write(".env", "EXCHANGE_NAME=x\n# fine\nREDIS_PASSWORD hunter2\n");
    auto config = bb::Config::load(sources(dotenv));
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().kind == bb::ErrorKind::usage);
    CHECK(bb::exit_code(config.error().kind) == 64);
    CHECK(config.error().message.starts_with(dotenv + ":3: "));
    CHECK_FALSE(contains(config.error().message, "hunter2"));
}

TEST_CASE("config: an unreadable .env is an I/O error") {
    TempDir dir;
    std::filesystem::create_directory(dir.file("dir.env"));
    auto config = bb::Config::load(sources(dir.file("dir.env")));
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().kind == bb::ErrorKind::io);
    CHECK(bb::exit_code(config.error().kind) == 74);
    CHECK(contains(config.error().message, "dir.env"));
}

TEST_CASE("config: an oversized .env is refused") {
    TempDir dir;
    std::string dotenv = dir.write("big.env", std::string(2 * 1024 * 1024, '#'));
    auto config = bb::Config::load(sources(dotenv));
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().kind == bb::ErrorKind::usage);
    CHECK(contains(config.error().message, "big.env"));
}

TEST_CASE("config: get and set_flag refuse unknown names, which are bugs") {
    bb::Config config = defaults();
    CHECK_THROWS_AS(config.get("RABBITMQ_URL"), std::out_of_range);
    CHECK_THROWS_AS(config.set_flag("RABBITMQ_URL", "x"), std::out_of_range);
}

TEST_CASE("config: rabbit_urls parses every comma-separated URL") {
    bb::Config config =
        defaults({{"RABBIT_URL", "amqp://a:x@rabbit1:5672/, amqps://b:y@rabbit2/%2fprod"}});
    auto urls = config.rabbit_urls();
    REQUIRE(urls.has_value());
    REQUIRE(urls->size() == 2);
    CHECK((*urls)[0].host == "rabbit1");
    CHECK((*urls)[0].vhost == "/");
    CHECK((*urls)[1].host == "rabbit2");
    CHECK((*urls)[1].tls);
    CHECK((*urls)[1].port == 5671);
    CHECK((*urls)[1].vhost == "/prod");
}

TEST_CASE("config: the default RABBIT_URL means guest on localhost, vhost /") {
    auto urls = defaults().rabbit_urls();
    REQUIRE(urls.has_value());
    REQUIRE(urls->size() == 1);
    CHECK((*urls)[0].host == "localhost");
    CHECK((*urls)[0].port == 5672);
    CHECK((*urls)[0].vhost == "/");
}

TEST_CASE("config: a bad RABBIT_URL entry names the setting and its origin, redacted") {
    const std::vector<std::string> values = {
        "amqp://u:s3cr3t@rabbit1/,amqp://u:s3cr3t@rabbit2:0/",
        "amqp://u:s3cr3t@rabbit1/,",
        "",
        "http://u:s3cr3t@rabbit/",
    };
    for (const std::string& value : values) {
        CAPTURE(value);
        bb::Config config = defaults({{"RABBIT_URL", value}});
        auto urls = config.rabbit_urls();
        REQUIRE_FALSE(urls.has_value());
        CHECK(urls.error().kind == bb::ErrorKind::usage);
        CHECK(urls.error().message.starts_with("RABBIT_URL (environment): "));
        CHECK_FALSE(contains(urls.error().message, "s3cr3t"));
    }
}

TEST_CASE("config: redis from REDIS_HOST, REDIS_PORT, REDIS_DB and REDIS_PASSWORD") {
    auto target = defaults({{"REDIS_HOST", "cache"},
                            {"REDIS_PORT", "6380"},
                            {"REDIS_DB", "3"},
                            {"REDIS_PASSWORD", "pw"}})
                      .redis();
    REQUIRE(target.has_value());
    CHECK(target->host == "cache");
    CHECK(target->port == 6380);
    CHECK(target->db == 3);
    CHECK(target->password == "pw");

    auto fallback = defaults().redis();
    REQUIRE(fallback.has_value());
    CHECK(fallback->host == "localhost");
    CHECK(fallback->port == 6379);
    CHECK(fallback->db == 0);
    CHECK(fallback->password.empty());

    auto v6 = defaults({{"REDIS_HOST", "[::1]"}}).redis();
    REQUIRE(v6.has_value());
    CHECK(v6->host == "::1");
}

TEST_CASE("config: REDIS_URL, when set, overrides the REDIS_* parts") {
    bb::Config config = defaults({{"REDIS_URL", "redis://:urlpw@urlhost:6390/5"},
                                  {"REDIS_HOST", "cache"},
                                  {"REDIS_PORT", "6380"},
                                  {"REDIS_DB", "3"},
                                  {"REDIS_PASSWORD", "pw"}});
    auto target = config.redis();
    REQUIRE(target.has_value());
    CHECK(target->host == "urlhost");
    CHECK(target->port == 6390);
    CHECK(target->db == 5);
    CHECK(target->password == "urlpw");

    // An empty REDIS_URL is unset.
    auto parts = defaults({{"REDIS_URL", ""}, {"REDIS_HOST", "cache"}}).redis();
    REQUIRE(parts.has_value());
    CHECK(parts->host == "cache");
}

TEST_CASE("config: bad Redis settings name the setting and the value") {
    struct Case {
        Env env;
        std::string starts;
    };
    const std::vector<Case> cases = {
        {{{"REDIS_PORT", "abc"}}, "REDIS_PORT=abc (environment): "},
        {{{"REDIS_PORT", "0"}}, "REDIS_PORT=0 (environment): "},
        {{{"REDIS_PORT", "65536"}}, "REDIS_PORT=65536 (environment): "},
        {{{"REDIS_PORT", ""}}, "REDIS_PORT= (environment): "},
        {{{"REDIS_DB", "-1"}}, "REDIS_DB=-1 (environment): "},
        {{{"REDIS_DB", "one"}}, "REDIS_DB=one (environment): "},
        {{{"REDIS_DB", "99999999999"}}, "REDIS_DB=99999999999 (environment): "},
        {{{"REDIS_HOST", ""}}, "REDIS_HOST= (environment): "},
        {{{"REDIS_URL", "rediss://:s3cr3t@cache/x"}}, "REDIS_URL (environment): "},
        {{{"REDIS_URL", "redis://:s3cr3t@cache:0/"}}, "REDIS_URL (environment): "},
    };
    for (const Case& c : cases) {
        CAPTURE(c.starts);
        auto target = defaults(c.env).redis();
        REQUIRE_FALSE(target.has_value());
        CHECK(target.error().kind == bb::ErrorKind::usage);
        CHECK(bb::exit_code(target.error().kind) == 64);
        CHECK(target.error().message.starts_with(c.starts));
        CHECK_FALSE(contains(target.error().message, "s3cr3t"));
    }
}

TEST_CASE("config: correlation_ttl_seconds is days times 86400") {
    auto fallback = defaults().correlation_ttl_seconds();
    REQUIRE(fallback.has_value());
    CHECK(*fallback == 2592000L);
    auto week = defaults({{"CORRELATION_TTL_DAYS", "7"}}).correlation_ttl_seconds();
    REQUIRE(week.has_value());
    CHECK(*week == 604800L);
}

TEST_CASE("config: a bad CORRELATION_TTL_DAYS names the setting and the value") {
    for (const char* value : {"0", "-1", "abc", "1.5", "", "7d", "99999999999999999999"}) {
        CAPTURE(value);
        bb::Config config = defaults();
        config.set_flag("CORRELATION_TTL_DAYS", value);
        auto ttl = config.correlation_ttl_seconds();
        REQUIRE_FALSE(ttl.has_value());
        CHECK(ttl.error().kind == bb::ErrorKind::usage);
        CHECK(ttl.error().message.starts_with(std::string("CORRELATION_TTL_DAYS=") + value +
                                              " (flag): "));
    }
}

TEST_CASE("config: http_port") {
    auto port = defaults().http_port();
    REQUIRE(port.has_value());
    CHECK(*port == 8682);
    auto bad = defaults({{"HTTP_PORT", "http"}}).http_port();
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind == bb::ErrorKind::usage);
    CHECK(bad.error().message.starts_with("HTTP_PORT=http (environment): "));
    // 0 asks the system for a free port; unlike REDIS_PORT, it is accepted.
    auto any = defaults({{"HTTP_PORT", "0"}}).http_port();
    REQUIRE(any.has_value());
    CHECK(*any == 0);
    CHECK_FALSE(defaults({{"HTTP_PORT", "65536"}}).http_port().has_value());
}

TEST_CASE("config: printable_value hides secrets and redacts URLs") {
    bb::Config config = defaults({{"REDIS_PASSWORD", "pw"},
                                  {"RABBIT_URL", "amqp://u:pw@rabbit/"},
                                  {"REDIS_URL", "redis://:pw@cache/"}});
    CHECK(bb::printable_value(config.get("REDIS_PASSWORD")) == "***");
    CHECK(bb::printable_value(config.get("RABBIT_URL")) == "amqp://u:***@rabbit/");
    CHECK(bb::printable_value(config.get("REDIS_URL")) == "redis://:***@cache/");
    CHECK(bb::printable_value(config.get("REDIS_HOST")) == "localhost");
    CHECK(bb::printable_value(defaults().get("REDIS_PASSWORD")).empty());
}

TEST_CASE("config: show prints every setting with its origin, aligned, secrets hidden") {
    TempDir dir;
    std::string dotenv = dir.write(".env", "REDIS_PASSWORD=dotenv-secret\n");
    bb::Config config = load(sources(dotenv, {{"RABBIT_URL", "amqp://app:env-secret@rabbit:5672/"},
                                              {"REDIS_URL", "redis://:url-secret@cache:6379/1"}}));
    config.set_flag("EXCHANGE_NAME", "flag.exchange");
    std::string shown = config.show();

    CHECK_FALSE(contains(shown, "secret"));
    std::vector<std::string> lines;
    std::istringstream in(shown);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    REQUIRE(lines.size() == bb::Config::names().size());
    std::size_t column = lines[0].rfind(" (");
    for (std::size_t i = 0; i < lines.size(); ++i) {
        CAPTURE(lines[i]);
        CHECK(lines[i].starts_with(std::string(bb::Config::names()[i]) + "="));
        CHECK(lines[i].rfind(" (") == column);
        CHECK(lines[i].back() == ')');
    }
    CHECK(contains(shown, "RABBIT_URL=amqp://app:***@rabbit:5672/"));
    CHECK(contains(shown, "REDIS_URL=redis://:***@cache:6379/1"));
    CHECK(contains(shown, "REDIS_PASSWORD=***"));
    CHECK(contains(shown, "EXCHANGE_NAME=flag.exchange"));

    auto origin_of = [&](std::string_view name) {
        for (const std::string& line : lines) {
            if (line.starts_with(std::string(name) + "=")) {
                return line.substr(line.rfind('(') + 1, line.size() - line.rfind('(') - 2);
            }
        }
        return std::string("missing");
    };
    CHECK(origin_of("RABBIT_URL") == "environment");
    CHECK(origin_of("REDIS_PASSWORD") == ".env");
    CHECK(origin_of("EXCHANGE_NAME") == "flag");
    CHECK(origin_of("HTTP_PORT") == "default");
}

TEST_CASE("config: a password file gives its first line without the line end") {
    TempDir dir;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"s3cret\n", "s3cret"},
        {"s3cret\r\n", "s3cret"},
        {"s3cret", "s3cret"},
        {"s3cret\r", "s3cret"},
        {"s3cret\nsecond line\n", "s3cret"},
        {" spaced, p@ss:w/rd \n", " spaced, p@ss:w/rd "},
    };
    for (const auto& [text, password] : cases) {
        const auto& file_text = text; // clang 14 cannot capture a binding
        CAPTURE(file_text);
        auto read = bb::read_password_file(dir.write("pw", text));
        REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().message));
        CHECK(*read == password);
    }
}

TEST_CASE("config: a password file that cannot be used names the file, never its content") {
    TempDir dir;
    struct Case {
        std::string path;
        bb::ErrorKind kind;
        std::string message;
    };
    std::string nul("hunter2\0x\n", 10);
    const std::vector<Case> cases = {
        {dir.file("missing"), bb::ErrorKind::not_found,
         dir.file("missing") + ": no such file or directory"},
        {dir.file(""), bb::ErrorKind::io, dir.file("") + ": is a directory"},
        {dir.write("empty", ""), bb::ErrorKind::usage,
         dir.file("empty") + ": the first line is empty"},
        {dir.write("late", "\nhunter2\n"), bb::ErrorKind::usage,
         dir.file("late") + ": the first line is empty"},
        {dir.write("nul", nul), bb::ErrorKind::usage,
         dir.file("nul") + ": the first line holds a NUL byte"},
        {dir.write("big", "hunter2\n" + std::string(70000, 'x')), bb::ErrorKind::usage,
         dir.file("big") + ": larger than 64 KiB, not a password file"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.path);
        auto read = bb::read_password_file(c.path);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().kind == c.kind);
        CHECK(read.error().message == c.message);
        CHECK_FALSE(contains(read.error().message, "hunter2"));
    }
    CHECK(bb::exit_code(bb::read_password_file(dir.file("missing")).error().kind) == 66);
    CHECK(bb::exit_code(bb::read_password_file(dir.file("")).error().kind) == 74);
}

TEST_CASE("config: RABBIT_PASSWORD_FILE replaces the password of every RABBIT_URL") {
    TempDir dir;
    std::string file = dir.write("rabbit.pw", "p@ss:w/rd,1\n");
    bb::Config config = defaults(
        {{"RABBIT_URL", "amqp://a:old@h1/,amqps://b@h2/%2fprod"}, {"RABBIT_PASSWORD_FILE", file}});
    auto urls = config.rabbit_urls();
    REQUIRE_MESSAGE(urls.has_value(), (urls ? "" : urls.error().message));
    REQUIRE(urls->size() == 2);
    CHECK((*urls)[0].user == "a");
    CHECK((*urls)[0].password == "p@ss:w/rd,1");
    CHECK((*urls)[1].user == "b");
    CHECK((*urls)[1].password == "p@ss:w/rd,1");
    CHECK((*urls)[1].vhost == "/prod");
    CHECK_FALSE(contains(config.show(), "p@ss"));
    CHECK(contains(config.show(), "RABBIT_PASSWORD_FILE=" + file));

    auto without = defaults({{"RABBIT_URL", "amqp://a:old@h1/"}}).rabbit_urls();
    REQUIRE(without.has_value());
    CHECK((*without)[0].password == "old");
}

TEST_CASE("config: an unusable RABBIT_PASSWORD_FILE names the setting, its origin and the file") {
    TempDir dir;
    bb::Config config = defaults({{"RABBIT_PASSWORD_FILE", dir.file("gone")}});
    auto urls = config.rabbit_urls();
    REQUIRE_FALSE(urls.has_value());
    CHECK(urls.error().kind == bb::ErrorKind::not_found);
    CHECK(urls.error().message == "RABBIT_PASSWORD_FILE (environment): " + dir.file("gone") +
                                      ": no such file or directory");
    config.set_flag("RABBIT_PASSWORD_FILE", dir.write("blank", "\n"));
    auto blank = config.rabbit_urls();
    REQUIRE_FALSE(blank.has_value());
    CHECK(blank.error().kind == bb::ErrorKind::usage);
    CHECK(blank.error().message.starts_with("RABBIT_PASSWORD_FILE (flag): "));
}

TEST_CASE("config: REDIS_PASSWORD_FILE replaces REDIS_PASSWORD and a password in REDIS_URL") {
    TempDir dir;
    std::string file = dir.write("redis.pw", "from-file\r\n");
    auto parts = defaults({{"REDIS_PASSWORD", "from-env"}, {"REDIS_PASSWORD_FILE", file}}).redis();
    REQUIRE(parts.has_value());
    CHECK(parts->password == "from-file");
    auto url = defaults({{"REDIS_URL", "redis://user:from-url@cache:6380/2"},
                         {"REDIS_PASSWORD_FILE", file}})
                   .redis();
    REQUIRE(url.has_value());
    CHECK(url->username == "user");
    CHECK(url->password == "from-file");
    CHECK(url->port == 6380);

    auto missing = defaults({{"REDIS_PASSWORD_FILE", dir.file("gone")}}).redis();
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().kind == bb::ErrorKind::not_found);
    CHECK(missing.error().message.starts_with("REDIS_PASSWORD_FILE (environment): "));
}

TEST_CASE("config: every item of the table has a name, a default that checks and help") {
    bb::Config config = defaults();
    std::set<std::string_view> names;
    REQUIRE(bb::setting_definitions().size() == config.all().size());
    for (std::size_t i = 0; i < bb::setting_definitions().size(); ++i) {
        const bb::SettingDefinition& item = bb::setting_definitions()[i];
        CAPTURE(item.name);
        CHECK(static_cast<std::size_t>(item.item) == i);
        CHECK(&bb::definition(item.item) == &item);
        // The .env key and the environment variable: upper case, unique.
        CHECK_FALSE(item.name.empty());
        CHECK(item.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string::npos);
        CHECK(names.insert(item.name).second);
        CHECK(bb::find_config_item(item.name) == item.item);
        CHECK_FALSE(item.help.empty());
        const bb::Setting& setting = config.get(item.item);
        CHECK(setting.name == item.name);
        CHECK(setting.value == item.default_value);
        CHECK(setting.secret == (item.type == bb::SettingType::secret));
        auto checked = bb::check_setting(setting);
        CHECK_MESSAGE(checked.has_value(), (checked ? "" : checked.error().message));
    }
    CHECK_FALSE(bb::find_config_item("RABBITMQ_URL").has_value());
}

TEST_CASE("config: check_setting checks a value by its item's type, naming the setting") {
    auto problem = [](bb::ConfigItem item, std::string value) {
        bb::Config config = defaults();
        config.set_flag(item, std::move(value));
        auto checked = bb::check_setting(config.get(item));
        REQUIRE_FALSE(checked.has_value());
        CHECK(checked.error().kind == bb::ErrorKind::usage);
        return checked.error().message;
    };
    CHECK(problem(bb::ConfigItem::redis_port, "0") ==
          "REDIS_PORT=0 (flag): not a port number (1 to 65535)");
    CHECK(problem(bb::ConfigItem::http_port, "http") ==
          "HTTP_PORT=http (flag): not a port number (0 to 65535)");
    CHECK(problem(bb::ConfigItem::redis_db, "-1") ==
          "REDIS_DB=-1 (flag): not a database number (0 or more)");
    CHECK(problem(bb::ConfigItem::correlation_ttl_days, "0") ==
          "CORRELATION_TTL_DAYS=0 (flag): not a whole number of days from 1 to 1000000");
    CHECK(problem(bb::ConfigItem::redis_host, "") == "REDIS_HOST= (flag): the host is empty");
    CHECK(problem(bb::ConfigItem::rabbit_url, " ") == "RABBIT_URL (flag): is empty");
    CHECK(contains(problem(bb::ConfigItem::redis_url, "http://x:pw@h/"), "REDIS_URL (flag): "));
    CHECK_FALSE(contains(problem(bb::ConfigItem::redis_url, "http://x:pw@h/"), "pw"));
}

TEST_CASE("config: an item and its name reach the same setting") {
    bb::Config config = defaults();
    config.set_flag(bb::ConfigItem::exchange_name, "by.item");
    CHECK(config.value("EXCHANGE_NAME") == "by.item");
    CHECK(config.is_set(bb::ConfigItem::exchange_name));
    config.set_flag("SERVICE_NAME", "by-name");
    CHECK(config.get(bb::ConfigItem::service_name).origin == bb::Origin::flag);
    CHECK(config.value(bb::ConfigItem::service_name) == "by-name");
    CHECK_FALSE(config.is_set(bb::ConfigItem::environment));
}
