// The envelope model's small parts: source type names and the event_type check.
#include "bloodbank/envelope.hpp"

#include "envelope/json.hpp"

#include "bloodbank/utf8.hpp"

#include <fmt/format.h>

#include <array>

namespace bb {
namespace {

constexpr std::array<std::string_view, 5> source_type_names = {"manual", "agent", "scheduled",
                                                               "file_watch", "hook"};

} // namespace

std::string_view to_string(SourceType type) {
    return source_type_names[static_cast<std::size_t>(type)];
}

Result<SourceType> parse_source_type(std::string_view text) {
    for (std::size_t i = 0; i < source_type_names.size(); ++i)
        if (source_type_names[i] == text)
            return static_cast<SourceType>(i);
    return make_error(ErrorKind::data,
                      fmt::format("{} is not one of {}", envelope_json::quoted(text),
                                  fmt::join(source_type_names, ", ")));
}

Result<void> validate_event_type(std::string_view event_type) {
    constexpr std::string_view path = "event_type";
    constexpr std::size_t max_bytes = 255; // an AMQP shortstr, the routing key
    if (event_type.empty())
        return envelope_json::field_error(path, "must not be empty");
    if (event_type.size() > max_bytes)
        return envelope_json::field_error(
            path, fmt::format("longer than {} bytes ({})", max_bytes, event_type.size()));
    if (auto bad = find_invalid_utf8(event_type))
        return envelope_json::field_error(path, fmt::format("invalid UTF-8 at byte {}", *bad));
    for (std::size_t i = 0; i < event_type.size(); ++i) {
        auto byte = static_cast<unsigned char>(event_type[i]);
        unsigned control = 0x100; // none
        if (byte < 0x20 || byte == 0x7f)
            control = byte;
        // Valid UTF-8 (checked above): a continuation byte follows C2.
        else if (byte == 0xc2 && static_cast<unsigned char>(event_type[i + 1]) <= 0x9f)
            control = static_cast<unsigned char>(event_type[i + 1]); // C1: C2 80..C2 9F
        if (control != 0x100)
            return envelope_json::field_error(
                path, fmt::format("control character U+{:04X} at byte {}", control, i));
    }
    return {};
}

} // namespace bb
