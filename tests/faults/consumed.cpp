#include "faults/consumed.hpp"

#include "support/amqp_consumer.hpp"

#include <doctest/doctest.h>

#include <set>

namespace bbtest::faults {

void Consumed::add(const Consumed& more) {
    for (const auto& [id, n] : more.times)
        times[id] += n;
    messages += more.messages;
}

Consumed consume_all(const std::string& url, const std::string& queue) {
    AmqpConsumer consumer(url);
    Consumed consumed;
    for (const auto& m : consumer.drain(queue)) {
        ++consumed.times[m.message_id.value_or("")];
        ++consumed.messages;
    }
    return consumed;
}

Reconciliation reconcile(const std::vector<ReportLine>& report, const Consumed& consumed) {
    Reconciliation r;
    std::set<std::string> promised;
    std::map<std::string, const ReportLine*> by_id;
    for (const auto& line : report) {
        if (line.status == "invalid" || !line.event_id)
            continue;
        ++r.attempted;
        by_id[*line.event_id] = &line;
        bool confirmed = line.status == "confirmed", spooled = line.status == "spooled";
        r.confirmed += confirmed;
        r.spooled += spooled;
        if (confirmed || spooled) {
            promised.insert(*line.event_id);
            r.lost += consumed.times.count(*line.event_id) == 0;
        }
    }
    r.consumed = consumed.messages;
    for (const auto& [id, n] : consumed.times) {
        if (!promised.count(id))
            ++r.unexpected;
        if (n < 2)
            continue;
        ++r.duplicated;
        auto it = by_id.find(id);
        bool in_doubt =
            it != by_id.end() && (it->second->attempts >= 2 ||
                                  (it->second->status == "spooled" && it->second->attempts >= 1));
        r.duplicated_not_in_doubt += !in_doubt;
    }
    return r;
}

void report_figures(const std::string& scenario, const Reconciliation& r) {
    MESSAGE(scenario << ": attempted " << r.attempted << ", confirmed " << r.confirmed
                     << ", spooled " << r.spooled << ", consumed " << r.consumed << ", duplicated "
                     << r.duplicated << ", lost " << r.lost << ", unexpected " << r.unexpected);
}

} // namespace bbtest::faults
