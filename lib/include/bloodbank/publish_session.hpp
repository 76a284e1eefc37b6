// bb-publish's two runs, wired once. A publish sends the records of a file or
// stdin; a drain sends what a spool keeps (drain.hpp). Both go
//
//   broker URLs -> tracking -> connect -> run the pipeline -> close
//
// and differ only in what a broker that cannot be reached means: a publish
// with a spool keeps every event in it and runs on, a publish without one
// stops (69), a drain leaves the spool as it is (75).
//
// A session says what happens before the run (a broker that cannot be
// reached, unfinished spool files recovered) through its sink's notice(), in
// order with the run's own notices and outcomes. What it has to say after
// the run is PublishOutcome::closing_lines(), for the app to print once it
// has flushed its output; PublishOutcome::exit_status() is the status.
#pragma once

#include "bloodbank/amqp.hpp"
#include "bloodbank/config.hpp"
#include "bloodbank/drain.hpp"
#include "bloodbank/error.hpp"
#include "bloodbank/publish.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bb {

struct PublishSessionOptions {
    EnvelopeRecipe recipe;   // a publish: how records become envelopes
    std::string input = "-"; // a publish: the file read, "-" for stdin
    // A publish: where events that are not confirmed are kept ("" for no
    // spool). A drain: the spool drained.
    std::string spool_dir;
    std::size_t max_record_bytes = 1024 * 1024; // longer records are invalid
    PipelineOptions pipeline;                   // its spool and signals are the session's
    // SIGINT, SIGTERM and SIGHUP stop the run (StopSignals): installed as a
    // publish starts, so a signal while reading a password from a pipe or
    // connecting ends that wait and stops the run before any input is read,
    // and once a drain has connected, since until then nothing was taken from
    // the spool and the default action loses nothing.
    bool stop_on_signals = false;
    // How to reach the broker; its URLs and exchange come from the Config
    // (RABBIT_URL, RABBIT_PASSWORD_FILE, EXCHANGE_NAME).
    PublisherOptions publisher;
    // Tracking is on per tracking_enabled(config, track): --track is true,
    // --no-track false. Redis and the TTL come from the Config.
    std::optional<bool> track;
    std::chrono::milliseconds track_timeout{1000};
    bool require_tracking = false; // a link or record not written fails the run (69)
    // Events already confirmed and recorded are not published again
    // (PipelineOptions::dedupe). Turns tracking on; Redis unreachable at the
    // start publishes nothing (69), as with require_tracking.
    bool dedupe = false;
};

enum class PublishMode { publish, drain };

// What a session did, and so what bb-publish says at the end and exits with.
struct PublishOutcome {
    PublishMode mode = PublishMode::publish;
    // Set when the session stopped before running (settings, input or spool
    // unusable, no broker): the kind of what stopped it. Why went to the
    // sink's notice().
    std::optional<ErrorKind> stopped;
    // When a signal ended what stopped it (a wait while connecting or reading
    // a password from a pipe): the signal, whose status is the exit status.
    int stopped_by_signal = 0;
    PublishSummary summary; // a publish's run
    DrainSummary drained;   // a drain's; segments is 0 for an empty spool
    std::string spool_dir;
    bool dry_run = false;
    bool require_tracking = false;
    bool stdout_written = true; // set by the app: false when its output could not be written

    // What the run counted: the publish's summary or the drain's totals.
    const PublishSummary& totals() const;

    // The lines for stderr after the run, in order: the errors that stopped
    // it, a tracking warning, the summary (not when quiet), where spooled
    // events are, a drain's progress (also when quiet if segments are left),
    // what it set aside, may send twice, or left in unfinished files,
    // and last "write error on stdout" when stdout_written is false.
    std::vector<std::string> closing_lines(bool quiet) const;

    // The exit status, the first that applies (DESIGN §4):
    //   74 stdout could not be written;
    //   the status of what stopped the session before it ran (130/143/129
    //   when a signal did);
    //   a publish: publish_exit_status(summary, require_tracking);
    //   a drain: 74 reading, marking or setting aside a segment's events
    //   failed; 130/143 a SIGINT/SIGTERM stopped it; 75 another error, or
    //   events are left for a later drain (in segments, or in writers'
    //   unfinished files); 65 events were set aside in DIR/rejected; 69
    //   (require_tracking) a link or event record was not written; else 0.
    int exit_status() const;
};

// One bb-publish run over settings already read: the Config for the broker
// and Redis, the options for the rest. The Config must outlive the session.
class PublishSession {
public:
    PublishSession(const Config& config, PublishSessionOptions options);

    // Opens the input, then (unless a dry run) reads the broker URLs and the
    // tracking settings, opens the spool, connects, and runs every record
    // through to `sink`. A broker that cannot be reached is a notice and a
    // run into the spool when there is one, the end otherwise.
    PublishOutcome publish(PublishSink& sink);

    // Takes the spool (plan_drain: lock, recovery), then, unless it is empty,
    // reads the broker URLs and the tracking settings, connects and drains it
    // to `sink`. A broker that cannot be reached leaves the spool as it is.
    PublishOutcome drain(PublishSink& sink);

private:
    struct Targets;
    Result<Targets> targets() const;
    PipelineOptions pipeline_options() const;
    PublishOutcome begin(PublishMode mode) const;

    const Config& config_;
    PublishSessionOptions options_;
};

} // namespace bb
