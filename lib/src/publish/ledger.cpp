// The ordered outcome ledger: see ledger.hpp.
#include "publish/ledger.hpp"

namespace bb::publish_detail {
namespace {

// A slot's buffers above this size are freed once handed out, so one huge
// event does not keep its memory for the rest of the run.
constexpr std::size_t keep_capacity = 64 * 1024;

void count(LineStatus status, PublishSummary& summary) {
    switch (status) {
    case LineStatus::confirmed:
        ++summary.published;
        break;
    case LineStatus::nacked:
        ++summary.nacked;
        break;
    case LineStatus::returned:
        ++summary.returned;
        break;
    case LineStatus::unconfirmed:
        ++summary.unconfirmed;
        break;
    case LineStatus::invalid:
        ++summary.invalid;
        break;
    case LineStatus::spooled:
        ++summary.spooled;
        break;
    case LineStatus::valid:
        ++summary.valid;
        break;
    case LineStatus::duplicate:
        ++summary.duplicates;
        break;
    }
}

} // namespace

bool is_failure(LineStatus status) {
    return status == LineStatus::nacked || status == LineStatus::returned ||
           status == LineStatus::unconfirmed;
}

Entry& OutcomeLedger::push(std::size_t line) {
    if (tail_ - head_ == entries_.size()) {
        std::vector<Entry> bigger(entries_.size() * 2);
        for (std::uint64_t s = head_; s < tail_; ++s)
            bigger[s & (bigger.size() - 1)] = std::move(at(s));
        entries_ = std::move(bigger);
    }
    Entry& e = at(tail_++);
    e.line = line;
    e.settled = false;
    e.has_envelope = false;
    e.attempts = 0;
    e.body.clear();
    e.error.clear();
    return e;
}

std::size_t OutcomeLedger::unsettled() const {
    std::size_t n = 0;
    for (std::uint64_t s = head_; s < tail_; ++s)
        n += entries_[s & (entries_.size() - 1)].settled ? 0 : 1;
    return n;
}

void OutcomeLedger::settle_unsettled() {
    for (std::uint64_t s = head_; s < tail_; ++s) {
        Entry& e = at(s);
        if (!e.settled) {
            e.settled = true;
            e.status = LineStatus::unconfirmed;
        }
    }
}

void OutcomeLedger::hand_out(std::uint64_t end, PublishSink& sink, PublishSummary& summary) {
    while (head_ < end) {
        Entry& e = at(head_);
        count(e.status, summary);
        LineOutcome o;
        o.line = e.line;
        o.status = e.status;
        o.attempts = e.attempts;
        if (e.has_envelope) {
            o.event_id = e.envelope.event_id;
            o.event_type = e.envelope.event_type;
            o.envelope_json = e.body;
        } else {
            o.record = e.body;
        }
        o.error = e.error;
        sink.outcome(o);
        if (e.body.capacity() > keep_capacity)
            std::string().swap(e.body);
        ++head_;
    }
}

} // namespace bb::publish_detail
