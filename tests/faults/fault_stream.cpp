#include "faults/fault_stream.hpp"

#include <doctest/doctest.h>

namespace bbtest::faults {

using namespace std::chrono_literals;

FaultStream::FaultStream(const PrivateServices& services, StreamInput stream_input,
                         const QueueOptions& queue)
    : bus(services.services, queue), input(std::move(stream_input)),
      fifo_(make_fifo(work.path().string())) {}

void FaultStream::start(const std::vector<std::string>& args, double lines_per_second,
                        std::size_t hold_at) {
    publisher = bus.start(fifo_, args, options);
    writer = std::make_unique<PacedWriter>(fifo_, input.lines, lines_per_second, hold_at);
}

void FaultStream::wait_for_progress(std::size_t lines, std::size_t outcomes) {
    REQUIRE(wait_until(
        [&] {
            return (writer->written() >= lines && outcomes_so_far(*publisher) >= outcomes) ||
                   !publisher->running();
        },
        120s));
    REQUIRE_MESSAGE(publisher->running(), "bb-publish ended too soon: " << publisher->err());
}

StreamOutcome FaultStream::finish(std::chrono::seconds timeout) {
    StreamOutcome o = outcome(wait_for_exit(*publisher, timeout));
    REQUIRE(o.report.size() == input.lines.size());
    return o;
}

StreamOutcome FaultStream::outcome(int status) {
    writer->stop();
    StreamOutcome o{status, publisher->err(), parse_report(publisher->out())};
    check_report_lines(o.report, input.event_ids);
    return o;
}

} // namespace bbtest::faults
