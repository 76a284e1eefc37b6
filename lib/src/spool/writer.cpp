#include "spool/io.hpp"

#include "bloodbank/spool.hpp"
#include "bloodbank/timestamp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace bb {

using spool_detail::spool_error;
using spool_detail::TempFile;

struct SpoolWriter::State {
    std::string dir;
    SpoolLimits limits;
    std::vector<std::string> segments;
    std::size_t kept = 0;

    // The segment being written; open while events are pending.
    std::optional<TempFile> current;
    std::string current_path;
    std::size_t current_events = 0;
    std::size_t current_bytes = 0;
    std::size_t current_first_line = 0;

    std::optional<Error> failure;
    std::optional<std::size_t> first_unkept_line;
};

namespace {

// Stops the writer for good: the segment being written is removed and every
// later call reports the same error.
Error fail(SpoolWriter::State& s, const Error& step) {
    s.current.reset();
    s.current_events = 0;
    s.current_bytes = 0;
    s.first_unkept_line = s.current_first_line;
    s.failure = make_error(ErrorKind::io,
                           fmt::format("spool {}: {}; events from input line {} on were not kept",
                                       s.dir, step.message, s.current_first_line));
    return *s.failure;
}

// The name of a segment started now. The time never goes back and the
// sequence counts every segment of the process, not of one writer: names
// sort in the order segments were started, and two writers of one process
// starting in the same microsecond still get two names.
std::string next_segment_name() {
    static std::mutex mutex;
    static std::int64_t last_micros = 0;
    static std::size_t sequence = 0;
    std::lock_guard<std::mutex> hold(mutex);
    last_micros = std::max(last_micros, Timestamp::now().unix_micros);
    return spool_detail::segment_name(last_micros, static_cast<long>(::getpid()), ++sequence);
}

Result<void> start_segment(SpoolWriter::State& s, std::size_t line) {
    s.current_first_line = line;
    auto file = TempFile::create(s.dir, spool_detail::segment_temp_prefix);
    if (!file)
        return fail(s, file.error());
    s.current_path = spool_detail::join_path(s.dir, next_segment_name());
    s.current = std::move(*file);
    return {};
}

} // namespace

Result<SpoolWriter> SpoolWriter::open(const std::string& dir, SpoolLimits limits) {
    spool_detail::ignore_file_size_signal();
    if (auto ready = spool_detail::prepare_dir(dir); !ready)
        return ready.error();
    auto state = std::make_unique<State>();
    state->dir = dir;
    state->limits = limits;
    return SpoolWriter(std::move(state));
}

SpoolWriter::SpoolWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
SpoolWriter::SpoolWriter(SpoolWriter&&) noexcept = default;
SpoolWriter& SpoolWriter::operator=(SpoolWriter&&) noexcept = default;
// State's TempFile removes an uncommitted segment.
SpoolWriter::~SpoolWriter() = default;

Result<void> SpoolWriter::add(std::string_view envelope, std::size_t line) {
    State& s = *state_;
    if (s.failure)
        return *s.failure;
    if (!s.current) {
        if (auto started = start_segment(s, line); !started)
            return started;
    }
    if (auto written = s.current->write(envelope); !written)
        return fail(s, written.error());
    if (auto written = s.current->write("\n"); !written)
        return fail(s, written.error());
    ++s.current_events;
    s.current_bytes += envelope.size() + 1;
    if (s.current_events >= s.limits.segment_events || s.current_bytes >= s.limits.segment_bytes)
        return commit();
    return {};
}

Result<void> SpoolWriter::commit() {
    State& s = *state_;
    if (s.failure)
        return *s.failure;
    if (!s.current)
        return {};
    if (auto done = s.current->commit(s.current_path); !done)
        return fail(s, done.error());
    s.current.reset();
    s.segments.push_back(s.current_path);
    s.kept += std::exchange(s.current_events, 0);
    s.current_bytes = 0;
    return {};
}

std::size_t SpoolWriter::kept() const {
    return state_->kept;
}
std::size_t SpoolWriter::pending() const {
    return state_->current_events;
}
std::optional<std::size_t> SpoolWriter::first_unkept_line() const {
    return state_->first_unkept_line;
}
const std::string& SpoolWriter::dir() const {
    return state_->dir;
}
const std::vector<std::string>& SpoolWriter::segments() const {
    return state_->segments;
}

} // namespace bb
