// The fault tests' own RabbitMQ and Redis: a set that scripts/services.sh
// runs from a state folder and on ports of their own (see
// tests/CMakeLists.txt), so stopping, pausing and killing servers never
// disturbs another test executable. A CTest fixture starts the set once for
// the label; every test calls private_services() first, which also brings
// back whatever an earlier test left stopped.
#pragma once

#include "support/services.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace bbtest::faults {

struct PrivateServices {
    Services services;       // the addresses, as the integration tests name them
    std::string state_dir;   // services.sh's BB_STATE_DIR
    std::string rabbitmqctl; // rabbitmqctl bound to the private node
};

// Runs `services.sh up` for the private set (a no-op when all of it runs) and
// reads the addresses it wrote. A node that has to be started again keeps
// its queues and messages with `keep_broker_data` (a crash test's restart),
// else it starts empty. When it cannot: skip_test() (a failure under CI=true)
// and nullopt (the test must return).
std::optional<PrivateServices> private_services(bool keep_broker_data = false);

// The set whose `services.sh up` wrote STATE_DIR/services.env (a node of
// scripts/cluster.sh, say); skip_test() and nullopt when it names no ports.
std::optional<PrivateServices> read_private_services(const std::string& state_dir);

// rabbitmqctl ARGS... against the private node; fails the test unless it exits 0.
void rabbitmqctl(const PrivateServices& s, const std::vector<std::string>& args);

// The pid of a process services.sh started and recorded ("rabbitmq" is the
// Erlang VM, "rabbitmq-launcher" the shell that started it, "redis" the Redis
// server), checked against the start time in
// the pid file so that a recycled pid is never signalled; -1 when it is not
// running.
pid_t recorded_pid(const PrivateServices& s, std::string_view name);

// SIGKILL to a recorded server, then waits (up to 30 s) until it is gone
// (for "rabbitmq", its launcher too).
// Returns false when it was not running or did not go.
bool kill_recorded(const PrivateServices& s, std::string_view name);

// `rabbitmqctl stop_app` now (the node lives on, the broker refuses
// connections and closes those it had); `start_app` by start() or, should the
// test fail first, when this goes, so that no later test finds it stopped.
class StoppedApp {
public:
    explicit StoppedApp(const PrivateServices& s);
    ~StoppedApp();
    StoppedApp(const StoppedApp&) = delete;
    StoppedApp& operator=(const StoppedApp&) = delete;
    void start();

private:
    const PrivateServices& services_;
    bool stopped_ = false;
};

// SIGSTOP for a process while this lives; SIGCONT when it goes (or resume()),
// so that a failing test never leaves a frozen broker behind.
class Paused {
public:
    explicit Paused(pid_t pid);
    ~Paused();
    Paused(const Paused&) = delete;
    Paused& operator=(const Paused&) = delete;
    void resume();
    bool paused() const { return pid_ > 1; } // SIGSTOP was delivered

private:
    pid_t pid_;
};

} // namespace bbtest::faults
