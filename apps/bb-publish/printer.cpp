#include "printer.hpp"

#include "common/app.hpp"

#include <fmt/format.h>

namespace bb::app {

Printer::Printer(std::string_view program, OutputMode mode, bool progress)
    : program_(program), mode_(mode), show_progress_(progress) {
    // Fully buffered stdout, flushed when the input goes quiet and at the end.
    static char buffer[1 << 16];
    std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
}

void Printer::write(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

void Printer::outcome(const LineOutcome& o) {
    // A drain's line numbers count within each segment: the segment is named.
    auto where = [&] {
        return o.file.empty() ? fmt::format("line {}", o.line)
                              : fmt::format("{} line {}", o.file, o.line);
    };
    switch (o.status) {
    case LineStatus::invalid:
        clear_progress();
        report(program_, fmt::format("{}: {}", where(), o.error));
        break;
    case LineStatus::nacked:
        clear_progress();
        report(program_, fmt::format("{}: event {} was refused by the broker (nack)", where(),
                                     o.event_id->str()));
        break;
    case LineStatus::returned:
        clear_progress();
        report(program_, fmt::format("{}: event {} was returned: no queue is bound for "
                                     "event type \"{}\" (bind a queue to the exchange for it, "
                                     "or give --allow-unroutable to publish it anyway)",
                                     where(), o.event_id->str(), o.event_type));
        break;
    default:
        break;
    }
    line_.clear();
    if (mode_ == OutputMode::report) {
        append_report_line(o, line_);
    } else if (o.status == LineStatus::confirmed || o.status == LineStatus::valid) {
        if (mode_ == OutputMode::json) {
            line_.append(o.envelope_json);
        } else {
            line_.resize(36);
            o.event_id->format_to(line_.data());
        }
    } else {
        return;
    }
    line_ += '\n';
    write(line_);
}

void Printer::idle() {
    std::fflush(stdout);
}

void Printer::notice(std::string_view text) {
    clear_progress();
    report(program_, text);
}

void Printer::progress(const PublishSummary& s) {
    if (!show_progress_)
        return;
    double rate = s.elapsed.count() > 0 ? static_cast<double>(s.published) / s.elapsed.count() : 0;
    fmt::print(stderr,
               "\r{}: {} published, {} invalid, {} failed, {} spooled ({:.0f} events/s)\x1b[K",
               program_, s.published + s.valid, s.invalid, s.failed(), s.spooled, rate);
    std::fflush(stderr);
    progress_shown_ = true;
}

void Printer::clear_progress() {
    if (!progress_shown_)
        return;
    fmt::print(stderr, "\r\x1b[K");
    progress_shown_ = false;
}

bool Printer::finish() {
    clear_progress();
    return std::fflush(stdout) == 0 && !std::ferror(stdout);
}

} // namespace bb::app
