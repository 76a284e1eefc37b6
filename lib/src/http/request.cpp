// The request head and target: see request.hpp.
#include "http/request.hpp"

#include "bloodbank/hex.hpp"

#include <charconv>

namespace bb::http_detail {
namespace {

// RFC 9110 token characters: methods and header names.
bool is_token(std::string_view text) {
    if (text.empty())
        return false;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool ok = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                  std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        if (!ok)
            return false;
    }
    return true;
}

// No spaces or control characters: a target the routes can look at.
bool is_target(std::string_view text) {
    if (text.empty())
        return false;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F)
            return false;
    }
    return true;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// The next line of `text` from `pos`, without its CRLF or LF; moves `pos` past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos)
        end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return line;
}

} // namespace

std::size_t request_head_end(std::string_view received) {
    for (std::size_t pos = received.find('\n'); pos != std::string_view::npos;
         pos = received.find('\n', pos + 1)) {
        if (pos + 1 < received.size() && received[pos + 1] == '\n')
            return pos + 2;
        if (pos + 2 < received.size() && received[pos + 1] == '\r' && received[pos + 2] == '\n')
            return pos + 3;
    }
    return std::string_view::npos;
}

std::variant<RequestHead, BadHead> parse_request_head(std::string_view head) {
    std::size_t pos = 0;
    std::string_view line = next_line(head, pos);
    std::size_t first = line.find(' ');
    std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos)
        return BadHead{400, "Invalid HTTP request line"};
    std::string_view method = line.substr(0, first);
    std::string_view target = line.substr(first + 1, second - first - 1);
    std::string_view version = line.substr(second + 1);
    if (!is_token(method) || !is_target(target))
        return BadHead{400, "Invalid HTTP request line"};
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return version.substr(0, 5) == "HTTP/" ? BadHead{505, "HTTP Version Not Supported"}
                                               : BadHead{400, "Invalid HTTP request line"};

    RequestHead request{std::string(method), std::string(target), false, {}, {}};
    std::optional<std::string_view> content_length;
    while (pos < head.size()) {
        line = next_line(head, pos);
        if (line.empty())
            break;
        std::size_t colon = line.find(':');
        // A line folded onto the previous one (obs-fold) is refused, as h11 does.
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
            return BadHead{400, "Invalid HTTP header"};
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim_blanks(line.substr(colon + 1));
        if (equals_ignoring_case(name, "Authorization")) {
            request.authorization = std::string(value);
        } else if (equals_ignoring_case(name, "Cookie")) {
            request.cookie += (request.cookie.empty() ? "" : "; ") + std::string(value);
        } else if (equals_ignoring_case(name, "Transfer-Encoding")) {
            request.has_body = true;
        } else if (equals_ignoring_case(name, "Content-Length")) {
            unsigned long long length = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
            if (value.empty() || ec != std::errc{} || end != value.data() + value.size() ||
                (content_length && *content_length != value))
                return BadHead{400, "Invalid Content-Length"};
            content_length = value;
            request.has_body = request.has_body || length > 0;
        }
    }
    return request;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    std::size_t mark = target.find('?');
    if (mark == std::string_view::npos)
        return {target, {}};
    return {target.substr(0, mark), target.substr(mark + 1)};
}

std::optional<std::string> query_value(std::string_view query, std::string_view name) {
    std::optional<std::string> value;
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view field = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (field.empty())
            continue;
        std::size_t equals = field.find('=');
        std::string_view key = field.substr(0, equals);
        if (percent_decode(key, true) != name)
            continue;
        value = equals == std::string_view::npos ? std::string()
                                                 : percent_decode(field.substr(equals + 1), true);
    }
    return value;
}

} // namespace bb::http_detail
