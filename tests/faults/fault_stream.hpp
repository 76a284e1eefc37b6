// One fault scenario's stream: a bus on the private broker, a work folder
// with the spool and a named pipe, the input, bb-publish reading the pipe
// with --report, and the paced writer feeding it. A test starts it, waits
// for progress, injects its fault, then reads the outcome.
#pragma once

#include "faults/fault_bus.hpp"
#include "faults/paced_writer.hpp"
#include "faults/private_services.hpp"
#include "faults/report.hpp"
#include "faults/stream_input.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace bbtest::faults {

struct StreamOutcome {
    int status = -1;
    std::string err;
    std::vector<ReportLine> report;
};

class FaultStream {
public:
    FaultStream(const PrivateServices& services, StreamInput input,
                const QueueOptions& queue = durable_queue());

    // bb-publish --file PIPE --report ARGS... with `options`, fed at
    // `lines_per_second`, held at line `hold_at` until writer->release().
    void start(const std::vector<std::string>& args, double lines_per_second,
               std::size_t hold_at = PacedWriter::no_hold);

    // Waits until `lines` are written and `outcomes` reported: a fault now
    // lands mid-stream. Fails the test if bb-publish ended before.
    void wait_for_progress(std::size_t lines, std::size_t outcomes);

    // Waits for bb-publish to end by itself, then requires a report line for
    // every input line (checked against the input).
    StreamOutcome finish(std::chrono::seconds timeout);
    // After bb-publish ended with `status` (a signal): stops the writer and
    // reads what it reported, checked against the input.
    StreamOutcome outcome(int status);

    FaultBus bus;
    RunOptions options = bus.env(); // bb-publish's environment, for a test to add to
    TempDir work{"bb-faults"};
    const std::string spool = work.file("spool");
    const StreamInput input;
    std::unique_ptr<Background> publisher;
    std::unique_ptr<PacedWriter> writer;

private:
    std::string fifo_;
};

} // namespace bbtest::faults
