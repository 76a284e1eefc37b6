#include "faults/fault_bus.hpp"

#include "faults/spool_dir.hpp"
#include "support/lines.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <set>

namespace bbtest::faults {

QueueOptions durable_queue() {
    QueueOptions q;
    q.durable = true;
    return q;
}

FaultBus::FaultBus(const Services& s, const QueueOptions& queue) : Bus(s, true, queue) {}

FaultBus::~FaultBus() {
    // The admin connection may have died with a broker restart.
    try {
        AmqpConsumer fresh(services.rabbit_url);
        fresh.delete_queue(queue);
        fresh.delete_exchange(exchange);
    } catch (...) {
    }
}

RunOptions FaultBus::env() const {
    RunOptions o = options("");
    o.unset_env.push_back("BB_SPOOL_DIR");
    return o;
}

std::unique_ptr<Background> FaultBus::start(const std::string& fifo,
                                            const std::vector<std::string>& args,
                                            const RunOptions& options) const {
    std::vector<std::string> argv{binary("bb-publish"), "--file", fifo, "--report"};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Background>(argv, options);
}

RunResult FaultBus::drain(const std::string& spool) const {
    return run({binary("bb-publish"), "--drain", spool}, env());
}

Consumed FaultBus::consume() const {
    return consume_all(services.rabbit_url, queue);
}

std::size_t check_confirmed_or_spooled(const std::vector<ReportLine>& report,
                                       const std::string& err) {
    std::size_t valid = report.size() - count_status(report, "invalid");
    std::size_t confirmed = count_status(report, "confirmed");
    std::size_t spooled = count_status(report, "spooled");
    INFO("stderr (end): " << err.substr(err.size() > 3000 ? err.size() - 3000 : 0));
    CHECK(confirmed + spooled == valid);
    if (spooled > 0)
        CHECK(err.find("spooled " + std::to_string(spooled)) != std::string::npos);
    return spooled;
}

Reconciliation drain_and_reconcile(const FaultBus& bus, const std::string& spool,
                                   const std::vector<ReportLine>& report, Consumed before) {
    SpoolContents kept = spool_contents(spool);
    CHECK(kept.temporary.empty());
    std::vector<std::string> in_segments = spooled_event_ids(kept);
    std::multiset<std::string> segment_ids(in_segments.begin(), in_segments.end()), reported;
    for (const auto& line : report)
        if (line.status == "spooled" && line.event_id)
            reported.insert(*line.event_id);
    CHECK_MESSAGE(segment_ids == reported, "the spool holds " << segment_ids.size()
                                                              << " events, the report spooled "
                                                              << reported.size());

    // A spool that was never needed may never have been made: nothing to drain.
    if (std::filesystem::exists(spool)) {
        RunResult drained = bus.drain(spool);
        INFO("bb-publish --drain: " << drained.err);
        CHECK(drained.status == 0);
        CHECK(spool_contents(spool).segments.empty());
    }

    before.add(bus.consume());
    return reconcile(report, before);
}

int wait_for_exit(Background& p, std::chrono::seconds timeout) {
    bool ended = wait_until([&] { return !p.running(); }, timeout);
    CHECK_MESSAGE(ended, "bb-publish still ran after " << timeout.count() << " s; killed");
    return p.stop(SIGKILL);
}

std::size_t outcomes_so_far(const Background& p) {
    std::string out = p.out();
    return static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
}

std::size_t lines_containing(const std::string& text, const std::string& word) {
    auto lines = split_lines(text);
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
        return l.find(word) != std::string::npos;
    }));
}

} // namespace bbtest::faults
