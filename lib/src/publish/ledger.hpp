// The ordered outcome ledger of the publish pipeline: one entry per input
// record, by sequence number, from when it is read until its outcome is
// handed to the sink. Entries settle in any order (acks come out of order,
// invalid records settle at once); outcomes leave strictly in input order.
#pragma once

#include "bloodbank/envelope.hpp"
#include "bloodbank/publish.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bb::publish_detail {

// One input record waiting for its outcome to be handed out.
struct Entry {
    std::size_t line = 0;
    LineStatus status = LineStatus::invalid;
    LineStatus failure = LineStatus::invalid; // what a spooled entry failed with
    bool settled = false;
    bool has_envelope = false;
    unsigned attempts = 0;
    Envelope envelope; // payload and other bulky parts dropped
    std::string body;  // the serialized envelope (or an invalid record's text)
    std::string error; // why it is invalid
};

bool is_failure(LineStatus status);

class OutcomeLedger {
public:
    // At most `limit` entries wait at once (room() says when it is reached).
    explicit OutcomeLedger(std::size_t limit) : limit_(limit) {}

    // A new, unsettled entry for the record starting at `line`.
    Entry& push(std::size_t line);
    Entry& at(std::uint64_t seq) { return entries_[seq & (entries_.size() - 1)]; }

    std::uint64_t head() const { return head_; } // oldest entry not handed out
    std::uint64_t tail() const { return tail_; } // the next entry's number
    bool empty() const { return head_ == tail_; }
    bool room() const { return tail_ - head_ < limit_; }
    std::size_t limit() const { return limit_; }

    // Entries still waiting for the broker's answer.
    std::size_t unsettled() const;
    // Settles every waiting entry as unconfirmed: nothing will answer them.
    void settle_unsettled();

    // Hands the entries before `end` to the sink, in order, counting each
    // outcome into the summary.
    void hand_out(std::uint64_t end, PublishSink& sink, PublishSummary& summary);

private:
    std::size_t limit_;
    std::vector<Entry> entries_ = std::vector<Entry>(4); // a ring that doubles as needed, from
                                                         // a size a one-event run barely touches
    std::uint64_t head_ = 0, tail_ = 0;
};

} // namespace bb::publish_detail
