// A producer that writes a long stream into a named pipe at a steady pace
// from its own thread, so that bb-publish (reading it with --file) is still
// busy with the stream when a test stops, pauses or kills a server. A hold
// keeps the stream from ending before the test is done with its faults.
#pragma once

#include <atomic>
#include <cstddef>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace bbtest::faults {

// A new named pipe `name` in `dir`; throws when it cannot be made.
std::string make_fifo(const std::string& dir, const std::string& name = "input.fifo");

class PacedWriter {
public:
    static constexpr std::size_t no_hold = std::numeric_limits<std::size_t>::max();

    // Opens `fifo` for writing as soon as a reader has it open, then writes
    // `lines` (each followed by '\n') at about `lines_per_second`, never past
    // line `hold_at` until release(). Closes the pipe at the end (the
    // reader's end of input); stops early when the reader goes away.
    PacedWriter(std::string fifo, const std::vector<std::string>& lines, double lines_per_second,
                std::size_t hold_at = no_hold);
    ~PacedWriter(); // stop() and join
    PacedWriter(const PacedWriter&) = delete;
    PacedWriter& operator=(const PacedWriter&) = delete;

    std::size_t written() const { return written_; } // whole lines in the pipe so far
    bool finished() const { return finished_; }      // every line written and the pipe closed
    void release(std::size_t hold_at = no_hold) { hold_ = hold_at; }
    void stop(); // closes the pipe where it is and joins the thread

private:
    void run();

    std::string fifo_;
    std::string text_;
    std::vector<std::size_t> ends_; // offset just past each line's '\n'
    double rate_;
    std::atomic<std::size_t> hold_;
    std::atomic<std::size_t> written_{0};
    std::atomic<bool> finished_{false};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace bbtest::faults
