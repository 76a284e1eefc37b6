// A bb-publish run from settings to outcome: see publish_session.hpp.
#include "bloodbank/line_reader.hpp"
#include "bloodbank/publish_session.hpp"
#include "bloodbank/stop_signals.hpp"
#include "bloodbank/tracking.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <utility>

namespace bb {

// Where the session connects to, read from the Config when it is needed.
struct PublishSession::Targets {
    PublisherOptions broker;
    std::optional<TrackingOptions> tracking; // nullopt: tracking is off
};

PublishSession::PublishSession(const Config& config, PublishSessionOptions options)
    : config_(config), options_(std::move(options)) {}

Result<PublishSession::Targets> PublishSession::targets() const {
    auto urls = config_.rabbit_urls();
    if (!urls)
        return urls.error();
    auto exchange = config_.exchange_name();
    if (!exchange)
        return exchange.error();
    Targets targets{options_.publisher, std::nullopt};
    targets.broker.urls = std::move(*urls);
    targets.broker.exchange = std::move(*exchange);
    if (options_.dedupe || tracking_enabled(config_, options_.track)) {
        auto redis = config_.redis();
        if (!redis)
            return redis.error();
        auto ttl = config_.correlation_ttl_seconds();
        if (!ttl)
            return ttl.error();
        targets.tracking = TrackingOptions{*redis, *ttl, options_.track_timeout};
    }
    return targets;
}

PipelineOptions PublishSession::pipeline_options() const {
    PipelineOptions pipeline = options_.pipeline;
    pipeline.dedupe = options_.dedupe;
    if (options_.stop_on_signals)
        pipeline.signals = &StopSignals::install();
    return pipeline;
}

PublishOutcome PublishSession::begin(PublishMode mode) const {
    PublishOutcome outcome;
    outcome.mode = mode;
    outcome.spool_dir = options_.spool_dir;
    outcome.dry_run = options_.pipeline.dry_run;
    outcome.require_tracking = options_.require_tracking;
    return outcome;
}

namespace {

PublishOutcome stopped(PublishOutcome outcome, const Error& error, PublishSink& sink) {
    sink.notice(error.message);
    outcome.stopped = error.kind;
    outcome.stopped_by_signal = stop_requested(); // it ended a wait, which failed for it
    return outcome;
}

} // namespace

PublishOutcome PublishSession::publish(PublishSink& sink) {
    PublishOutcome outcome = begin(PublishMode::publish);
    auto input = InputFile::open(options_.input);
    if (!input)
        return stopped(std::move(outcome), input.error(), sink);
    PipelineOptions pipeline = pipeline_options();

    std::optional<SpoolWriter> spool;
    std::optional<Publisher> publisher;
    std::optional<Tracker> tracker;
    if (!pipeline.dry_run) {
        auto targets = this->targets();
        if (!targets)
            return stopped(std::move(outcome), targets.error(), sink);
        if (!options_.spool_dir.empty()) {
            auto opened = SpoolWriter::open(options_.spool_dir);
            if (!opened)
                return stopped(std::move(outcome), opened.error(), sink);
            spool.emplace(std::move(*opened));
            pipeline.spool = &*spool;
        }
        // No input is read before the broker has accepted the exchange: a
        // refusal then ends the run the same way every time, with the input
        // left whole, instead of racing the first records.
        targets->broker.wait_for_setup = true;
        // A refusal is a configuration error: spooling would only defer it.
        bool refused = false;
        auto connected = Publisher::connect(targets->broker, &refused);
        if (connected)
            publisher.emplace(std::move(*connected));
        else if (stop_requested() || refused)
            return stopped(std::move(outcome), connected.error(), sink);
        else if (spool && connected.error().kind == ErrorKind::unavailable)
            sink.notice(connected.error().message + "; keeping the events in the spool");
        else
            return stopped(std::move(outcome), connected.error(), sink);
        // Links are written for confirmed events only, so not without a broker.
        if (targets->tracking && publisher) {
            tracker.emplace(Tracker::open(*targets->tracking));
            // Required tracking, or a dedupe that cannot ask Redis, publishes
            // nothing when Redis cannot be reached, so that 69 always means
            // "nothing of it published, safe to run again".
            const char* needs_redis = options_.dedupe             ? "--dedupe"
                                      : options_.require_tracking ? "--require-tracking"
                                                                  : nullptr;
            if (auto outage = tracker->outage(); needs_redis && outage)
                return stopped(std::move(outcome),
                               make_error(ErrorKind::unavailable,
                                          fmt::format("correlation tracking unavailable ({}); "
                                                      "nothing published ({})",
                                                      outage->message, needs_redis)),
                               sink);
        }
    }

    LineReader reader(input->fd(), options_.max_record_bytes,
                      options_.recipe.wrap_text ? LineReader::Framing::text
                                                : LineReader::Framing::ndjson);
    outcome.summary =
        run_publish(reader, options_.recipe, pipeline, publisher ? &*publisher : nullptr,
                    tracker ? &*tracker : nullptr, sink);
    if (publisher)
        publisher->close();
    return outcome;
}

PublishOutcome PublishSession::drain(PublishSink& sink) {
    PublishOutcome outcome = begin(PublishMode::drain);
    const std::string& dir = options_.spool_dir;
    auto plan = plan_drain(dir);
    if (!plan)
        return stopped(std::move(outcome), plan.error(), sink);
    if (plan->recovered.files > 0)
        sink.notice(fmt::format("recovered {} from {} unfinished spool files of "
                                "processes that died while writing them",
                                event_count(plan->recovered.events), plan->recovered.files));
    for (const std::string& name : plan->unknown)
        sink.notice(fmt::format("warning: spool {}: {} is not a segment "
                                "(YYYYMMDDTHHMMSS.ffffffZ-PID-SEQ.ndjson): not drained",
                                dir, visible_text(name)));
    outcome.drained.unfinished_files = plan->recovered.left_files;
    outcome.drained.unfinished_events = plan->recovered.left_events;
    if (plan->segments.empty())
        return outcome;

    auto targets = this->targets();
    if (!targets)
        return stopped(std::move(outcome), targets.error(), sink);
    auto publisher = Publisher::connect(targets->broker);
    if (!publisher) {
        // Nothing was taken from the spool: the next drain finds it whole.
        sink.notice(publisher.error().message);
        return stopped(
            std::move(outcome),
            make_error(ErrorKind::temporary,
                       fmt::format("{} segments left in the spool {}", plan->segments.size(), dir)),
            sink);
    }
    std::optional<Tracker> tracker;
    if (targets->tracking)
        tracker.emplace(Tracker::open(*targets->tracking));

    outcome.drained = drain_spool(*plan, options_.max_record_bytes, pipeline_options(), *publisher,
                                  tracker ? &*tracker : nullptr, sink);
    publisher->close();
    return outcome;
}

} // namespace bb
