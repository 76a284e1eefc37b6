#include "bloodbank/timestamp.hpp"

#include <fmt/format.h>

#include <chrono>

namespace bb {
namespace {

namespace chr = std::chrono;

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t micros_per_minute = 60 * micros_per_second;

constexpr std::string_view expected_form = "expected YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]";

Error shape_error(std::size_t byte) {
    return make_error(ErrorKind::data,
                      fmt::format("{} (mismatch at byte {})", expected_form, byte));
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Walks the text left to right; on a mismatch `pos` is the offending byte.
struct Scanner {
    std::string_view text;
    std::size_t pos = 0;

    bool at_end() const { return pos == text.size(); }
    bool peek(char c) const { return pos < text.size() && text[pos] == c; }
    bool accept(std::string_view choices) {
        if (pos < text.size() && choices.find(text[pos]) != std::string_view::npos) {
            ++pos;
            return true;
        }
        return false;
    }
    bool digits(std::size_t count, int& value) {
        value = 0;
        for (std::size_t i = 0; i < count; ++i, ++pos) {
            if (pos >= text.size() || !is_digit(text[pos]))
                return false;
            value = value * 10 + (text[pos] - '0');
        }
        return true;
    }
};

struct Fields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micros = 0;
    std::optional<int> offset_minutes;
};

// The syntax only; ranges are checked afterwards.
Result<Fields> read_fields(std::string_view text) {
    Fields f;
    Scanner in{text};
    bool ok = in.digits(4, f.year) && in.accept("-") && in.digits(2, f.month) && in.accept("-") &&
              in.digits(2, f.day) && in.accept("Tt ") && in.digits(2, f.hour) && in.accept(":") &&
              in.digits(2, f.minute) && in.accept(":") && in.digits(2, f.second);
    if (!ok)
        return shape_error(in.pos);

    if (in.accept(".")) {
        std::size_t start = in.pos;
        for (; !in.at_end() && is_digit(text[in.pos]); ++in.pos) {
            // Digits beyond microseconds are dropped (truncated), as Pydantic does.
            if (in.pos - start < 6)
                f.micros = f.micros * 10 + (text[in.pos] - '0');
        }
        if (in.pos == start)
            return make_error(ErrorKind::data, "expected digits after '.'");
        for (std::size_t n = in.pos - start; n < 6; ++n)
            f.micros *= 10;
    }

    if (in.accept("Zz")) {
        f.offset_minutes = 0;
    } else if (in.peek('+') || in.peek('-')) {
        std::size_t sign_pos = in.pos;
        int sign = in.peek('-') ? -1 : 1;
        ++in.pos;
        int hours = 0, minutes = 0;
        // +HH:MM is the ISO extended form; +HHMM is accepted too, as Pydantic does.
        if (!in.digits(2, hours) || (in.accept(":"), !in.digits(2, minutes)))
            return shape_error(in.pos);
        if (hours > 23 || minutes > 59)
            return make_error(ErrorKind::data,
                              fmt::format("UTC offset {} is out of range",
                                          text.substr(sign_pos, in.pos - sign_pos)));
        f.offset_minutes = sign * (hours * 60 + minutes);
    }
    if (!in.at_end())
        return shape_error(in.pos);
    return f;
}

std::string_view month_name(int month) {
    static constexpr std::string_view names[] = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};
    return names[month - 1];
}

Result<void> check_ranges(const Fields& f) {
    auto out_of_range = [](std::string_view what, int value) {
        return make_error(ErrorKind::data, fmt::format("{} {} is out of range", what, value));
    };
    if (f.year < 1)
        return out_of_range("year", f.year);
    if (f.month < 1 || f.month > 12)
        return out_of_range("month", f.month);
    chr::year_month_day date{chr::year{f.year}, chr::month{static_cast<unsigned>(f.month)},
                             chr::day{static_cast<unsigned>(f.day)}};
    if (!date.ok())
        return make_error(ErrorKind::data, fmt::format("day {} is out of range for {} {}", f.day,
                                                       month_name(f.month), f.year));
    if (f.hour > 23)
        return out_of_range("hour", f.hour);
    if (f.minute > 59)
        return out_of_range("minute", f.minute);
    if (f.second > 59) // Python's datetime has no leap seconds
        return out_of_range("second", f.second);
    return {};
}

// Splits an instant (plus an offset) into civil fields, the inverse of the parser.
Fields fields_of(std::int64_t unix_micros, int offset_minutes) {
    chr::sys_time<chr::microseconds> local{
        chr::microseconds{unix_micros + offset_minutes * micros_per_minute}};
    auto day = chr::floor<chr::days>(local);
    chr::year_month_day date{day};
    auto in_day = local - day;
    std::int64_t micros = in_day.count();
    Fields f;
    f.year = static_cast<int>(date.year());
    f.month = static_cast<int>(static_cast<unsigned>(date.month()));
    f.day = static_cast<int>(static_cast<unsigned>(date.day()));
    f.hour = static_cast<int>(micros / (60 * micros_per_minute));
    f.minute = static_cast<int>(micros / micros_per_minute % 60);
    f.second = static_cast<int>(micros / micros_per_second % 60);
    f.micros = static_cast<int>(micros % micros_per_second);
    return f;
}

// Writes value as exactly `width` decimal digits (value fits).
char* put_digits(char* at, int value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return at + width;
}

// By hand rather than with fmt: this runs for every published event.
void append_fields(const Fields& f, std::optional<int> offset_minutes, std::string& out) {
    char buffer[48]; // 2025-10-18T14:03:07.123456+05:30, or a wider year
    // Years beyond 0-9999 only arise from offsets at the ends of the range
    // or from hand-made instants; Python cannot write those at all.
    char* at = f.year >= 0 && f.year <= 9999 ? put_digits(buffer, f.year, 4)
                                             : fmt::format_to(buffer, "{:04}", f.year);
    *at++ = '-';
    at = put_digits(at, f.month, 2);
    *at++ = '-';
    at = put_digits(at, f.day, 2);
    *at++ = 'T';
    at = put_digits(at, f.hour, 2);
    *at++ = ':';
    at = put_digits(at, f.minute, 2);
    *at++ = ':';
    at = put_digits(at, f.second, 2);
    if (f.micros != 0) {
        *at++ = '.';
        at = put_digits(at, f.micros, 6);
    }
    if (offset_minutes) {
        int offset = *offset_minutes;
        *at++ = offset < 0 ? '-' : '+';
        if (offset < 0)
            offset = -offset;
        at = put_digits(at, offset / 60, 2);
        *at++ = ':';
        at = put_digits(at, offset % 60, 2);
    }
    out.append(buffer, at);
}

} // namespace

Timestamp Timestamp::now() {
    auto now = chr::floor<chr::microseconds>(chr::system_clock::now());
    return Timestamp{now.time_since_epoch().count(), 0};
}

void Timestamp::append_iso(std::string& out) const {
    append_fields(fields_of(unix_micros, offset_minutes.value_or(0)), offset_minutes, out);
}

std::string Timestamp::iso() const {
    std::string out;
    append_iso(out);
    return out;
}

std::string Timestamp::iso_utc_naive() const {
    std::string out;
    append_fields(fields_of(unix_micros, 0), std::nullopt, out);
    return out;
}

std::int64_t Timestamp::unix_seconds() const {
    return chr::floor<chr::seconds>(chr::microseconds{unix_micros}).count();
}

Result<Timestamp> parse_timestamp(std::string_view text) {
    auto fields = read_fields(text);
    if (!fields)
        return fields.error();
    const Fields& f = *fields;
    if (auto ranges = check_ranges(f); !ranges)
        return ranges.error();
    chr::sys_days day{chr::year_month_day{chr::year{f.year},
                                          chr::month{static_cast<unsigned>(f.month)},
                                          chr::day{static_cast<unsigned>(f.day)}}};
    std::int64_t local = chr::duration_cast<chr::microseconds>(day.time_since_epoch()).count() +
                         (f.hour * 3600LL + f.minute * 60LL + f.second) * micros_per_second +
                         f.micros;
    return Timestamp{local - f.offset_minutes.value_or(0) * micros_per_minute, f.offset_minutes};
}

} // namespace bb
