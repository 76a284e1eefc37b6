// What bb-publish shows: one stdout line per outcome (the event id, the
// completed envelope, or a --report line), a stderr line for each record that
// was not published, and a progress line when stderr is a terminal.
#pragma once

#include "bloodbank/publish.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace bb::app {

enum class OutputMode { id, json, report };

class Printer : public PublishSink {
public:
    Printer(std::string_view program, OutputMode mode, bool progress);

    void outcome(const LineOutcome& outcome) override;
    void idle() override;
    void notice(std::string_view text) override;
    void progress(const PublishSummary& so_far) override;

    // Clears the progress line and flushes stdout; false on a write error.
    bool finish();

private:
    void write(std::string_view text);
    void clear_progress();

    std::string_view program_;
    OutputMode mode_;
    bool show_progress_;
    bool progress_shown_ = false;
    std::string line_; // reused
};

} // namespace bb::app
