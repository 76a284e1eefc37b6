#include "faults/private_services.hpp"

#include "support/background.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace bbtest::faults {
namespace {

std::string services_script() {
    return std::string(BB_SOURCE_DIR) + "/scripts/services.sh";
}

// services.sh's view of the private set: state folder and ports from the
// build (tests/CMakeLists.txt).
RunOptions script_options(bool keep_broker_data = false) {
    RunOptions o;
    o.env = {{"BB_STATE_DIR", BB_FAULTS_STATE_DIR},
             {"BB_AMQP_PORT", std::to_string(BB_FAULTS_AMQP_PORT)},
             {"BB_AMQPS_PORT", std::to_string(BB_FAULTS_AMQPS_PORT)},
             {"BB_RABBIT_DIST_PORT", std::to_string(BB_FAULTS_DIST_PORT)},
             {"BB_EPMD_PORT", std::to_string(BB_FAULTS_EPMD_PORT)},
             {"BB_REDIS_PORT", std::to_string(BB_FAULTS_REDIS_PORT)},
             {"BB_KEEP_BROKER_DATA", keep_broker_data ? "1" : "0"}};
    return o;
}

RunResult services_sh(const std::string& command, bool keep_broker_data = false) {
    return run({services_script(), command, "--quiet"}, script_options(keep_broker_data));
}

// When this process found none of the set running (the test executable run
// by hand, not through ctest's fixture), it stops the set again at exit.
struct Ownership {
    bool decided = false;
    bool owner = false;
    ~Ownership() {
        if (owner)
            services_sh("down");
    }
};
Ownership ownership;

void decide_ownership() {
    if (ownership.decided)
        return;
    ownership.decided = true;
    RunResult status = run({services_script(), "status"}, script_options());
    ownership.owner = !std::regex_search(status.out, std::regex(": +up "));
}

// services.env: "export NAME=VALUE" lines, VALUE quoted by bash's printf %q
// (a backslash before each special character; none of ours has spaces).
std::map<std::string, std::string> read_env_file(const std::string& path) {
    std::ifstream in(path);
    std::map<std::string, std::string> values;
    std::string line;
    while (std::getline(in, line)) {
        static const std::string prefix = "export ";
        if (line.rfind(prefix, 0) != 0)
            continue;
        std::size_t eq = line.find('=');
        if (eq == std::string::npos)
            continue;
        std::string value;
        bool escaped = false;
        for (char c : line.substr(eq + 1)) {
            if (!escaped && c == '\\') {
                escaped = true;
                continue;
            }
            escaped = false;
            value += c;
        }
        values[line.substr(prefix.size(), eq - prefix.size())] = value;
    }
    return values;
}

// Field 22 of /proc/PID/stat (the start time), or "" when the process is gone
// or a zombie: what services.sh records beside each pid.
std::string start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat))
        return "";
    std::size_t paren = stat.rfind(") ");
    if (paren == std::string::npos)
        return "";
    std::istringstream fields(stat.substr(paren + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
    if (f.size() < 20 || f[0] == "Z")
        return "";
    return f[19];
}

std::string pid_file(const PrivateServices& s, std::string_view name) {
    if (name == "rabbitmq")
        return s.state_dir + "/rabbitmq/vm.pid";
    if (name == "rabbitmq-launcher")
        return s.state_dir + "/rabbitmq/launcher.pid";
    if (name == "redis")
        return s.state_dir + "/redis/redis.pid";
    throw std::invalid_argument("no pid file for " + std::string(name));
}

} // namespace

std::optional<PrivateServices> private_services(bool keep_broker_data) {
    decide_ownership();
    RunResult up = services_sh("up", keep_broker_data);
    if (up.status != 0) {
        skip_test("the fault tests' private RabbitMQ and Redis did not start (" +
                  services_script() + " up exited " + std::to_string(up.status) + "):\n" + up.err);
        return std::nullopt;
    }
    return read_private_services(BB_FAULTS_STATE_DIR);
}

std::optional<PrivateServices> read_private_services(const std::string& state_dir) {
    auto env = read_env_file(state_dir + "/services.env");
    PrivateServices s;
    s.services.rabbit_url = env["BB_TEST_RABBIT_URL"];
    s.services.amqp_host = env["BB_TEST_AMQP_HOST"];
    s.services.redis_host = env["BB_TEST_REDIS_HOST"];
    s.state_dir = env["BB_STATE_DIR"];
    s.rabbitmqctl = env["BB_RABBITMQCTL"];
    try {
        s.services.amqp_port = std::stoi(env["BB_TEST_AMQP_PORT"]);
        s.services.redis_port = std::stoi(env["BB_TEST_REDIS_PORT"]);
    } catch (const std::exception&) {
        skip_test("services.env in " + state_dir + " names no ports");
        return std::nullopt;
    }
    return s;
}

void rabbitmqctl(const PrivateServices& s, const std::vector<std::string>& args) {
    std::vector<std::string> argv{s.rabbitmqctl};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = run(argv);
    INFO("rabbitmqctl " << args.front() << ": " << r.out << r.err);
    REQUIRE(r.status == 0);
}

pid_t recorded_pid(const PrivateServices& s, std::string_view name) {
    std::ifstream in(pid_file(s, name));
    long pid = 0;
    std::string started;
    if (!(in >> pid >> started) || pid <= 1)
        return -1;
    return start_time(static_cast<pid_t>(pid)) == started ? static_cast<pid_t>(pid) : -1;
}

bool kill_recorded(const PrivateServices& s, std::string_view name) {
    pid_t pid = recorded_pid(s, name);
    if (pid < 0 || kill(pid, SIGKILL) != 0)
        return false;
    // Not our child: init reaps it; "gone" is no process or a zombie. The
    // node's launcher (a shell) goes with the VM; services.sh up restarts the
    // node only once the launcher is gone too.
    return wait_until(
        [&] {
            return recorded_pid(s, name) < 0 &&
                   (name != "rabbitmq" || recorded_pid(s, "rabbitmq-launcher") < 0);
        },
        std::chrono::seconds(30));
}

StoppedApp::StoppedApp(const PrivateServices& s) : services_(s) {
    rabbitmqctl(services_, {"stop_app"});
    stopped_ = true;
}

StoppedApp::~StoppedApp() {
    if (stopped_)
        run({services_.rabbitmqctl, "start_app"});
}

void StoppedApp::start() {
    stopped_ = false;
    rabbitmqctl(services_, {"start_app"});
}

Paused::Paused(pid_t pid) : pid_(pid) {
    if (pid_ > 1 && kill(pid_, SIGSTOP) != 0)
        pid_ = -1;
}

Paused::~Paused() {
    resume();
}

void Paused::resume() {
    if (pid_ > 1)
        kill(pid_, SIGCONT);
    pid_ = -1;
}

} // namespace bbtest::faults
