// The spool stage of the publish pipeline: see spool_stage.hpp.
#include "publish/spool_stage.hpp"

namespace bb::publish_detail {

bool SpoolStage::offer(OutcomeLedger& ledger) {
    bool ok = true;
    if (offered_ < ledger.head())
        offered_ = ledger.head();
    for (; offered_ < ledger.tail() && ledger.at(offered_).settled; ++offered_) {
        Entry& e = ledger.at(offered_);
        if (!spool_ || summary_.spool_error || !is_failure(e.status))
            continue;
        if (auto kept = spool_->add(e.body, e.line); !kept) {
            ok = fail(kept.error(), ledger);
            continue;
        }
        e.failure = e.status;
        e.status = LineStatus::spooled;
        if (!uncommitted_) {
            uncommitted_ = offered_;
            uncommitted_since_ = Clock::now();
        }
        if (spool_->pending() == 0)
            uncommitted_.reset(); // the segment filled up and was committed
    }
    return ok;
}

bool SpoolStage::commit(OutcomeLedger& ledger) {
    if (!spool_ || !uncommitted_ || summary_.spool_error)
        return true;
    if (auto done = spool_->commit(); !done)
        return fail(done.error(), ledger);
    uncommitted_.reset();
    return true;
}

// What the spool had not made durable is not kept: each such entry goes back
// to the failure it was spooled for.
bool SpoolStage::fail(Error error, OutcomeLedger& ledger) {
    summary_.spool_error = std::move(error);
    if (uncommitted_)
        for (std::uint64_t s = *uncommitted_; s < offered_; ++s)
            if (ledger.at(s).status == LineStatus::spooled)
                ledger.at(s).status = ledger.at(s).failure;
    uncommitted_.reset();
    return false;
}

} // namespace bb::publish_detail
