// bb-consume's run: deliveries from a Consumer (consumer.hpp) to stdout, one
// event per line, or to a command per event; acked only once the reader has
// the line or the command succeeded (at-least-once: a consumer deduplicates
// by event_id).
//
// Streaming into a pipe hands over one line at a time and acks it once the
// reader has taken it out of the pipe, so that `bb-consume | head -n 3` acks
// exactly three events; into a file, /dev/null or a terminal, lines are
// written in batches and acked once written. A command runs with the
// envelope on its stdin; exit 0 acks, a failure sends the event back to its
// queue with the x-bb-attempts header counted up, and the last allowed
// failure dead-letters it (to an exchange, or rejected).
#pragma once

#include "bloodbank/consumer.hpp"
#include "bloodbank/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace bb {

class StopRequests;
struct Envelope;

enum class ConsumeFormat {
    body,     // the message body as received, one per line
    delivery, // {"routing_key":...,"exchange":...,"redelivered":...,"properties":{...},"envelope":...}
};

struct ConsumeSettings {
    ConsumerOptions consumer;
    ConsumeFormat format = ConsumeFormat::body;
    bool raw = false;                          // pass any body through unparsed
    std::vector<std::string> command;          // argv run per event; empty: stream to out_fd
    int out_fd = 1;                            // where streamed lines go
    unsigned concurrency = 1;                  // commands at once
    unsigned max_attempts = 3;                 // failures before an event is dead-lettered
    std::chrono::milliseconds exec_timeout{0}; // 0: none; else a command is killed after it
    std::chrono::milliseconds idle_timeout{0}; // 0: none; else stop after this long with nothing
    std::chrono::milliseconds shutdown_timeout{30000}; // running commands after the first signal
    std::uint64_t count = 0; // 0: no limit; else stop after this many events
    // Only events whose ancestry reaches one of these ids pass (--descends-from);
    // empty: every event. Grows as matching events arrive.
    std::optional<std::unordered_set<std::string>> descends_from;
    // Instead of stdout: each event that passes is handed here (its envelope
    // null under --raw) and acked once it returns; false ends the run
    // (ConsumeEnd::count). What bb-trace --follow builds on.
    std::function<bool(const Received&, const Envelope*)> on_event;
    // Called once the queue is bound and consuming, before any delivery is
    // looked at: an event published after it returns is not missed. Its
    // Error ends the run before it starts.
    std::function<Result<void>()> on_ready;
    // Streams: the offset after the last event in its final state is written
    // here (a temporary file renamed over it) after its ack; when the file
    // exists and consumer.stream_start is not set, the run starts from it,
    // and when it does not, from the first event of the stream.
    std::string offset_file;
    // Events bb-publish --replay sent again are acked and skipped.
    bool skip_replays = false;
    // After a lost connection: attempts, doubling delays between them.
    int reconnect_attempts = 5;
    std::chrono::milliseconds reconnect_time{60000};
};

// What the run did, for the summary and the exit status.
struct ConsumeCounts {
    std::uint64_t received = 0;        // deliveries taken from the queue (redeliveries too)
    std::uint64_t done = 0;            // written to the reader, or the command succeeded: acked
    std::uint64_t skipped = 0;         // not descended from the --descends-from event: acked
    std::uint64_t replays_skipped = 0; // --skip-replays: acked
    std::uint64_t failed = 0;          // command runs that failed (exit status, signal, timeout)
    std::uint64_t retried = 0;         // sent back to the queue for another attempt
    std::uint64_t dead_lettered = 0;   // to the dead-letter exchange
    std::uint64_t rejected = 0;        // dropped (no dead-letter exchange)
    std::uint64_t invalid = 0;         // bodies that are no valid envelope
    std::uint64_t returned = 0;        // left unacked: back to the queue at exit
    std::size_t reconnects = 0;
};

enum class ConsumeEnd {
    count,              // --count reached
    idle,               // --idle-timeout passed with nothing
    signal,             // SIGINT/SIGTERM/SIGHUP
    reader_gone,        // stdout closed
    broker_lost,        // the connection failed and could not be made again
    stream_failure,     // a command failed on a stream: no later event was started
    offset_file_failed, // the --offset-file could not be written
};

struct ConsumeOutcome {
    ConsumeCounts counts;
    ConsumeEnd end = ConsumeEnd::count;
    std::optional<Error> error; // broker_lost, or stdout failing other than by closing
    std::string queue;          // the queue consumed
    // Events whose command failed and that neither succeeded later in the
    // run nor were dead-lettered: they wait in the queue for another attempt.
    std::size_t unresolved_failures = 0;
};

// What the run tells the person while it runs; the app prints it.
class ConsumeListener {
public:
    virtual ~ConsumeListener() = default;
    virtual void notice(const std::string& line) = 0;       // one line for stderr
    virtual void progress(const ConsumeCounts& counts) = 0; // at most a few times a second
};

// Connects, consumes until an end condition, closes. An Error only when it
// could not start (ErrorKind::unavailable, or usage for bad settings).
Result<ConsumeOutcome> consume(const ConsumeSettings& settings, const StopRequests& stop,
                               ConsumeListener& listener);

// --from: first, last, next, an offset (digits), an ISO-8601 time with its
// offset or Z (2026-12-01T00:00:00Z), or a duration back from `now` (2h, 30m,
// 7d, 90s). Errors are ErrorKind::usage with the reason.
Result<StreamStart> parse_stream_start(std::string_view text, std::int64_t now_unix_seconds);

// The offset kept in an --offset-file (decimal digits and a newline); nullopt
// when the file does not exist. Anything else in it is ErrorKind::data.
Result<std::optional<std::uint64_t>> read_offset_file(const std::string& path);
// Writes `next` to a temporary file beside `path` and renames it over `path`,
// so that a reader sees the old offset or the new one, never a part.
Result<void> write_offset_file(const std::string& path, std::uint64_t next);

// The exit status for an outcome: 69 (broker lost) or 74 (stdout failed);
// else 128+n after signal n; else 65 when invalid bodies were seen; else
// 75 when a command failed for an event that did not succeed later in the
// run (it waits in the queue, or was dead-lettered or rejected); else 0.
int consume_exit_status(const ConsumeOutcome& outcome, int signal);

// "consumed 10 events (10 done) from queue q in 1.2 s", and the counts that are not zero.
std::string consume_summary(const ConsumeOutcome& outcome, std::chrono::duration<double> elapsed);

} // namespace bb
