// The input of a fault test: many envelopes with ids the test knows, so that
// what the report says and what a consumer reads can be checked line by line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bbtest::faults {

struct StreamInput {
    std::vector<std::string> lines;                    // NDJSON records, no blank lines
    std::vector<std::optional<std::string>> event_ids; // [line - 1]; nullopt: an invalid line
    std::size_t invalid = 0;

    std::string text() const; // every line followed by '\n'
    // Invalid lines among lines 1..line.
    std::size_t invalid_up_to(std::size_t line) const;
};

// `count` complete envelopes (event type "fault.test", payload {"n":N}), each
// with a new random event_id; with invalid_every > 0, every invalid_every-th
// line is broken JSON instead.
StreamInput make_input(std::size_t count, std::size_t invalid_every = 0);

} // namespace bbtest::faults
