// The bb-publish pipeline as a library: input records -> completed envelopes
// -> the publisher's window of unconfirmed messages -> one outcome per input
// record, in input order, plus a summary and the exit status. The app only
// parses flags and prints what the PublishSink receives.
//
// One loop drives everything: it hands records from the reader to the
// publisher while the window has room, reads acks, nacks and returns as they
// come, and when there is no input yet it poll()s the input, the broker's
// socket and the signal pipe together, so heartbeats and confirms are
// serviced while a producer is idle. Nothing blocks without a deadline.
//
// Nothing is lost silently. A lost connection makes the unconfirmed events
// "in doubt": the publisher reconnects (with backoff, within limits) and
// sends them again, so a consumer may see an event twice and deduplicates by
// message_id. What still cannot be confirmed goes to the spool when there is
// one (status spooled), and is reported as failed otherwise.
#pragma once

#include "bloodbank/confirm_channel.hpp"
#include "bloodbank/envelope.hpp"
#include "bloodbank/error.hpp"
#include "bloodbank/event_id.hpp"
#include "bloodbank/line_reader.hpp"
#include "bloodbank/spool.hpp"
#include "bloodbank/stop_signals.hpp"
#include "bloodbank/tracking.hpp"
#include "bloodbank/uuid.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

// How one input record becomes an envelope.
struct EnvelopeRecipe {
    EnvelopeOptions envelope;             // limits and the defaults for missing fields
    std::optional<std::string> wrap_type; // --type: each record is the payload of a new envelope
    bool wrap_text = false;               // --text: ... given as a JSON string of the record's text
    std::vector<Uuid> parents;            // --parent: appended to correlation_ids (no duplicates)
    // --id-key: the event_id becomes event_id_for_fields(event_type, id_fields,
    // id_namespace), replacing any id in the input.
    std::optional<IdFields> id_fields;
    std::string id_namespace{default_id_namespace};
    // A payload of a type in the catalog (catalog.hpp) must match its schema;
    // --no-validate turns this off. Unknown types pass: the bus is open.
    bool check_payloads = true;
    // --strict: an event type that is not in the catalog is an invalid record
    // (and an unknown --type a usage error).
    bool strict = false;
};

// The --id-key arguments ("k=v", split at the first '=') as id fields, as
// bb-id reads its --field arguments. Errors are ErrorKind::usage and quote
// the argument: `--id-key "abc": expected KEY=VALUE`, `--id-key user: given
// more than once`, `--id-key user: invalid UTF-8 at byte 3`.
Result<IdFields> parse_id_keys(const std::vector<std::string>& args);

// Checks the recipe once, before any input: a --type must be a valid event
// type, and with strict a known one (ErrorKind::usage, `--type: ...`).
Result<void> check_recipe(const EnvelopeRecipe& recipe);

// Parses or wraps one record, applies the recipe and validates the payload
// against the catalog. Errors are ErrorKind::data and start with the field
// path, as parse_envelope's do:
//   payload.user.email: required field is missing
//   event_type: "foo.bar" is not a known event type (see bb-publish --list-types)
Result<Envelope> prepare_envelope(std::string_view record, const EnvelopeRecipe& recipe);

// --replay: the record names its event_id and timestamp itself (a replay
// keeps an event's identity; a default would make up a new one).
Result<void> check_replayable(std::string_view record);

enum class LineStatus {
    confirmed,
    nacked,
    returned,
    unconfirmed,
    invalid,
    spooled, // not confirmed, and kept in the spool
    valid,   // --dry-run
    // --dedupe: already confirmed (and recorded in Redis) by an earlier run;
    // not published again, and a success.
    duplicate,
};
std::string_view to_string(LineStatus status);

// What became of one input record.
struct LineOutcome {
    std::size_t line = 0;  // its first line
    std::string_view file; // a drain: the name of the segment it was read from
    LineStatus status = LineStatus::invalid;
    std::optional<Uuid> event_id;   // unset for invalid records
    std::string_view event_type;    // empty for invalid records
    std::string_view envelope_json; // the completed envelope, when keep_envelopes is on
    std::string_view record;        // an invalid record's text, when keep_envelopes is on
    std::string_view error;         // why it is invalid
    unsigned attempts = 0;          // times it was sent to a broker (2+: again after a reconnect)
};

struct PublishSummary {
    std::size_t records = 0; // non-blank input records seen
    std::size_t published = 0;
    std::size_t valid = 0; // --dry-run: records that would be published
    std::size_t invalid = 0;
    std::size_t nacked = 0;
    std::size_t returned = 0;
    std::size_t unconfirmed = 0;
    std::size_t spooled = 0;
    std::size_t duplicates = 0; // --dedupe: not published again
    std::size_t reconnects = 0; // connections made again after a loss
    std::size_t resent = 0;     // events sent again after a reconnect (in doubt)
    std::chrono::duration<double> elapsed{0};
    std::optional<Error> input_error;  // reading the input failed (74)
    std::optional<Error> spool_error;  // writing the spool failed (74): names the first unkept line
    std::optional<Error> broker_error; // the broker was lost for good or gave no confirms
    std::optional<Error> dedupe_error; // --dedupe: Redis could not say what was published
    bool input_stopped = false;        // input was left unread (broker lost, no spool)
    int signal = 0;                    // SIGINT/SIGTERM/SIGHUP stopped the run
    TrackingReport tracking;

    // Not confirmed and not kept in the spool.
    std::size_t failed() const { return nacked + returned + unconfirmed; }
};

// Where outcomes go. Called from the pipeline's loop, in input order.
class PublishSink {
public:
    virtual ~PublishSink() = default;
    virtual void outcome(const LineOutcome& outcome) = 0;
    // The pipeline is about to wait for input: a chance to flush output so a
    // reader downstream sees the ids of confirmed events promptly.
    virtual void idle() {}
    // Something the user should know as it happens: the connection was lost,
    // reconnected, a signal is being handled.
    virtual void notice(std::string_view text) { (void)text; }
    // Called about twice a second during long runs, for a progress display.
    virtual void progress(const PublishSummary& so_far) { (void)so_far; }
};

// After a lost connection (or a broker that stopped confirming): how hard to
// try to get it back before giving up on the events in doubt.
struct ReconnectPolicy {
    int attempts = 5;                           // 0: give up at once
    std::chrono::milliseconds max_time{60000};  // for all the attempts after one loss
    std::chrono::milliseconds first_delay{200}; // doubled after each failure...
    std::chrono::milliseconds max_delay{5000};  // ...up to this
};

struct PipelineOptions {
    std::size_t max_in_flight = 512;                  // unconfirmed messages at most
    std::chrono::milliseconds confirm_timeout{30000}; // no confirm for this long: connection lost
    bool keep_envelopes = false; // pass each completed envelope (and invalid record) to the sink
    bool dry_run = false;        // validate and complete only; no publisher needed
    ReconnectPolicy reconnect;
    // Events that end unconfirmed, nacked or returned are kept here, in input
    // order. With a spool the run also goes on when the broker is gone for
    // good (or was never reached: publisher null), spooling the rest.
    SpoolWriter* spool = nullptr;
    // First signal: stop reading, wait up to shutdown_timeout for the
    // confirms in flight, spool or report the rest. Second: stop waiting.
    const StopRequests* signals = nullptr;
    std::chrono::milliseconds shutdown_timeout{10000};
    // --dedupe (needs a tracker): before an event is sent, the tracker is
    // asked, a batch of events per round trip, whether its id was confirmed
    // and recorded already; such an event is a duplicate and is not sent. The
    // mark is the tracker's event record, written only after the confirm.
    bool dedupe = false;
    // --replay: each envelope is sent as the bytes read (checked, not
    // completed: it must carry its event_id and timestamp), with these marks
    // in its headers. No tracker, no spool.
    std::optional<ReplayMark> replay;
};

// Runs the whole input through. `channel` (a Publisher, amqp.hpp) may be null
// for a dry run, or when the broker could not be reached and there is a spool; `tracker` may be
// null (tracking off). Errors that stop the run midway are in the summary
// (input_error, spool_error, broker_error), never lost: every record read gets
// an outcome.
PublishSummary run_publish(LineReader& reader, const EnvelopeRecipe& recipe,
                           const PipelineOptions& options, ConfirmChannel* channel,
                           Tracker* tracker, PublishSink& sink);

// The exit status for a run (DESIGN §4), the first that applies:
// 74 the input could not be read or the spool could not be written;
// 130/143 a SIGINT/SIGTERM stopped it; 69 an event was nacked, returned or
// left unconfirmed without a spool to keep it, the broker was lost with input
// left unread, or (with require_tracking) a link or event record was not
// written; 75 events were kept in the spool; 65 an input record was invalid;
// else 0. Part of PublishOutcome::exit_status() (publish_session.hpp), and
// defined beside it in publish/outcome.cpp.
int publish_exit_status(const PublishSummary& summary, bool require_tracking);

// {"line":N,"event_id":"..."|null,"status":"...","attempts":K} plus "error"
// for invalid records: the --report line for one outcome, without newline.
void append_report_line(const LineOutcome& outcome, std::string& out);

// "published 998, invalid 2, failed 0 in 0.42 s (2376 events/s)", with
// ", spooled 5" after failed when events were spooled and ", duplicate 7"
// when --dedupe skipped events; a dry run says "valid" for "published".
std::string summary_text(const PublishSummary& summary, bool dry_run);

// "1 event", "2 events": a count of events in a closing line or a notice.
std::string event_count(std::size_t n);

} // namespace bb
