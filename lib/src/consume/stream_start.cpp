// --from: where a stream consumer starts, in the words a person uses.
#include "bloodbank/consume.hpp"
#include "bloodbank/timestamp.hpp"

#include <fmt/format.h>

#include <charconv>

namespace bb {
namespace {

Error bad_start(std::string_view text, std::string_view why) {
    return make_error(ErrorKind::usage, fmt::format("--from \"{}\": {}", text, why));
}

std::optional<std::uint64_t> digits(std::string_view text) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return n;
}

} // namespace

Result<StreamStart> parse_stream_start(std::string_view text, std::int64_t now_unix_seconds) {
    using Kind = StreamStart::Kind;
    if (text == "first")
        return StreamStart{Kind::first, 0, 0};
    if (text == "last")
        return StreamStart{Kind::last, 0, 0};
    if (text == "next")
        return StreamStart{Kind::next, 0, 0};
    if (auto offset = digits(text))
        return StreamStart{Kind::offset, *offset, 0};
    if (text.size() >= 2) {
        char unit = text.back();
        std::int64_t seconds_per_unit = unit == 's'   ? 1
                                        : unit == 'm' ? 60
                                        : unit == 'h' ? 3600
                                        : unit == 'd' ? 86400
                                                      : 0;
        if (auto n = digits(text.substr(0, text.size() - 1)); n && seconds_per_unit) {
            if (*n > static_cast<std::uint64_t>(now_unix_seconds) / seconds_per_unit)
                return bad_start(text, "reaches back before 1970");
            return StreamStart{Kind::timestamp, 0,
                               now_unix_seconds - static_cast<std::int64_t>(*n) * seconds_per_unit};
        }
    }
    if (text.find('-') != std::string_view::npos) {
        auto time = parse_timestamp(text);
        if (!time)
            return bad_start(text, time.error().message);
        if (time->unix_micros < 0)
            return bad_start(text, "before 1970");
        return StreamStart{Kind::timestamp, 0, time->unix_seconds()};
    }
    return bad_start(text, "not first, last, next, an offset, a time such as "
                           "2026-12-01T00:00:00Z, or a duration such as 2h");
}

} // namespace bb
