// Fuzz target: bb::parse_envelope on arbitrary bytes, with small limits.
// Invariants, checked whenever the input parses:
//  - serialize() writes an envelope that parses again (with any defaults:
//    a serialized envelope states every field) and serializes to the same
//    bytes, so what bb-publish sends is a fixed point of its own reader;
//  - the serialization is valid JSON to parse_json under the same depth limit.
// Every error must be ErrorKind::data with a non-empty message.
#include "fuzz_check.hpp"

#include "bloodbank/envelope.hpp"
#include "bloodbank/json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using bb_fuzz::check;

constexpr bb::JsonLimits input_limits{64 * 1024, 32};

bb::EnvelopeOptions options_a() {
    bb::EnvelopeOptions options;
    options.limits = input_limits;
    options.defaults.host = "fuzz-host";
    return options;
}

// Different defaults for the re-parse: none of them may show through.
bb::EnvelopeOptions options_b() {
    bb::EnvelopeOptions options;
    // Defaults fill in event_id and timestamp, so the output may be larger
    // than the input; the depth is unchanged.
    options.limits = {1024 * 1024, input_limits.max_depth};
    options.defaults.host = "other-host";
    options.defaults.source_type = bb::SourceType::hook;
    options.defaults.source_app = "other-app";
    return options;
}

void check_error(const bb::Error& error) {
    check(error.kind == bb::ErrorKind::data, "parse_envelope error is not ErrorKind::data",
          error.message);
    check(!error.message.empty(), "parse_envelope error without a message");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto parsed = bb::parse_envelope(input, options_a());
    if (!parsed) {
        check_error(parsed.error());
        return 0;
    }
    std::string first = bb::serialize(*parsed);

    auto json = bb::parse_json(first, options_b().limits);
    check(json.has_value(), "serialize() wrote text that parse_json rejects",
          json ? std::string_view() : std::string_view(json.error().message));

    auto again = bb::parse_envelope(first, options_b());
    if (!again)
        bb_fuzz::fail("serialize() wrote an envelope that parse_envelope rejects",
                      again.error().message);
    std::string second = bb::serialize(*again);
    check(first == second, "parse(serialize(e)) serializes differently",
          std::string("first:  ") + first + "\n  second: " + second);
    return 0;
}
