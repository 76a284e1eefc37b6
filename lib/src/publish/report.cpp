// What a run says: the --report line of each outcome and the summary line.
#include "bloodbank/publish.hpp"
#include "bloodbank/utf8.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

// A JSON string. Bytes that are not valid UTF-8 (an error message may quote
// raw input) become U+FFFD, so the line stays valid JSON.
void append_json_string(std::string_view text, std::string& out) {
    std::string valid;
    if (!check_utf8(text)) {
        for (std::size_t i = 0; i < text.size();) {
            if (std::size_t len = utf8_sequence_length(text, i)) {
                valid.append(text.substr(i, len));
                i += len;
            } else {
                valid.append("\xef\xbf\xbd");
                ++i;
            }
        }
        text = valid;
    }
    out += '"';
    for (char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
            else
                out += c;
        }
    }
    out += '"';
}

} // namespace

std::string_view to_string(LineStatus status) {
    switch (status) {
    case LineStatus::confirmed:
        return "confirmed";
    case LineStatus::nacked:
        return "nacked";
    case LineStatus::returned:
        return "returned";
    case LineStatus::unconfirmed:
        return "unconfirmed";
    case LineStatus::invalid:
        return "invalid";
    case LineStatus::spooled:
        return "spooled";
    case LineStatus::duplicate:
        return "duplicate";
    case LineStatus::valid:
        break;
    }
    return "valid";
}

void append_report_line(const LineOutcome& outcome, std::string& out) {
    fmt::format_to(std::back_inserter(out), "{{\"line\":{},\"event_id\":", outcome.line);
    if (outcome.event_id) {
        out += '"';
        std::size_t at = out.size();
        out.resize(at + 36);
        outcome.event_id->format_to(out.data() + at);
        out += '"';
    } else {
        out += "null";
    }
    out += ",\"status\":\"";
    out += to_string(outcome.status);
    fmt::format_to(std::back_inserter(out), "\",\"attempts\":{}", outcome.attempts);
    if (outcome.status == LineStatus::invalid) {
        out += ",\"error\":";
        append_json_string(outcome.error, out);
    }
    out += '}';
}

std::string summary_text(const PublishSummary& s, bool dry_run) {
    double seconds = s.elapsed.count();
    if (dry_run)
        return fmt::format("valid {}, invalid {} in {:.2f} s", s.valid, s.invalid, seconds);
    double rate = seconds > 0 ? static_cast<double>(s.published) / seconds : 0.0;
    std::string spooled = s.spooled ? fmt::format(", spooled {}", s.spooled) : std::string();
    std::string duplicates =
        s.duplicates ? fmt::format(", duplicate {}", s.duplicates) : std::string();
    return fmt::format("published {}, invalid {}, failed {}{}{} in {:.2f} s ({:.0f} events/s)",
                       s.published, s.invalid, s.failed(), spooled, duplicates, seconds, rate);
}

std::string event_count(std::size_t n) {
    return fmt::format("{} {}", n, n == 1 ? "event" : "events");
}

} // namespace bb
