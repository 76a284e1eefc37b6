// The spool stage of the publish pipeline: settled failures (nacked,
// returned, unconfirmed) are offered to the spool in input order and become
// `spooled`; their outcomes wait until the spool has made them durable. When
// the spool fails, what it had not made durable goes back to its failure
// status, and nothing more is offered.
#pragma once

#include "publish/ledger.hpp"

#include "bloodbank/publish.hpp"
#include "bloodbank/spool.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace bb::publish_detail {

class SpoolStage {
public:
    using Clock = std::chrono::steady_clock;

    // `spool` may be null: failures then stay failures. Errors go to
    // summary.spool_error.
    SpoolStage(SpoolWriter* spool, PublishSummary& summary) : spool_(spool), summary_(summary) {}

    bool active() const { return spool_ != nullptr; }

    // Offers the entries settled since the last call, in input order, up to
    // the first unsettled one. false: the spool failed just now.
    bool offer(OutcomeLedger& ledger);
    // Makes the offered events durable. false: the spool failed just now.
    bool commit(OutcomeLedger& ledger);

    // Entries before this may be handed out: spooled ones wait until durable.
    std::uint64_t ready_end() const { return uncommitted_ ? *uncommitted_ : offered_; }
    // Entries held back because a spooled event before them is not durable.
    std::uint64_t held_back() const { return uncommitted_ ? offered_ - *uncommitted_ : 0; }
    // Whether the oldest spooled event not durable yet has waited `age`.
    bool waiting_for(Clock::duration age) const {
        return uncommitted_ && Clock::now() - uncommitted_since_ >= age;
    }

private:
    bool fail(Error error, OutcomeLedger& ledger);

    SpoolWriter* spool_;
    PublishSummary& summary_;
    // Entries before offered_ have been offered; those from uncommitted_ on
    // are in the spool but not durable yet.
    std::uint64_t offered_ = 0;
    std::optional<std::uint64_t> uncommitted_;
    Clock::time_point uncommitted_since_;
};

} // namespace bb::publish_detail
