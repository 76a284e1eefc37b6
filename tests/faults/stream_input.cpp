#include "faults/stream_input.hpp"

#include "integration/test_bb_publish_support.hpp"

namespace bbtest::faults {

std::string StreamInput::text() const {
    std::string out;
    for (const auto& line : lines)
        out += line + '\n';
    return out;
}

std::size_t StreamInput::invalid_up_to(std::size_t line) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < line && i < event_ids.size(); ++i)
        n += event_ids[i] ? 0 : 1;
    return n;
}

StreamInput make_input(std::size_t count, std::size_t invalid_every) {
    StreamInput input;
    input.lines.reserve(count);
    input.event_ids.reserve(count);
    for (std::size_t n = 1; n <= count; ++n) {
        if (invalid_every > 0 && n % invalid_every == 0) {
            input.lines.push_back("{\"event_type\":\"fault.test\",\"payload\":");
            input.event_ids.emplace_back();
            ++input.invalid;
            continue;
        }
        publish::EnvelopeSpec e;
        e.event_type = "fault.test";
        e.host = "fault-test";
        e.payload = "{\"n\":" + std::to_string(n) + "}";
        input.lines.push_back(publish::canonical(e));
        input.event_ids.emplace_back(e.event_id);
    }
    return input;
}

} // namespace bbtest::faults
