// The access token: see token.hpp.
#include "http/token.hpp"

#include "bloodbank/hex.hpp"

#include <string_view>

namespace bb::http_detail {
namespace {

constexpr std::string_view cookie_name = "bb_token";

// Compares every byte whatever the first difference, so that the time an
// answer takes tells nothing of how much of a guess was right.
bool same_secret(std::string_view given, std::string_view token) {
    unsigned char difference = given.size() == token.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i)
        difference |= static_cast<unsigned char>(given[i] ^ token[i % token.size()]);
    return difference == 0;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

bool bearer_matches(std::string_view header, std::string_view token) {
    constexpr std::string_view scheme = "bearer ";
    if (header.size() < scheme.size())
        return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if ((header[i] | 0x20) != scheme[i])
            return false;
    return same_secret(trim(header.substr(scheme.size())), token);
}

bool cookie_matches(std::string_view cookies, std::string_view token) {
    while (!cookies.empty()) {
        std::size_t end = cookies.find(';');
        std::string_view pair = trim(cookies.substr(0, end));
        cookies = end == std::string_view::npos ? std::string_view() : cookies.substr(end + 1);
        std::size_t equals = pair.find('=');
        if (equals != std::string_view::npos && pair.substr(0, equals) == cookie_name &&
            same_secret(pair.substr(equals + 1), token))
            return true;
    }
    return false;
}

} // namespace

std::optional<HttpReply> refuse_without_token(const HttpApiOptions& options,
                                              const RequestHead& head) {
    const std::string& token = options.token;
    if (token.empty())
        return std::nullopt;
    auto [raw_path, query] = split_target(head.target);
    if (percent_decode(raw_path) == "/healthz")
        return std::nullopt;
    if (bearer_matches(head.authorization, token) || cookie_matches(head.cookie, token))
        return std::nullopt;
    auto given = query_value(query, "token");
    if (head.method == "GET" && given && same_secret(*given, token)) {
        // Back to the same path on this server, the token out of the
        // address bar; "//host" would leave the server, so it goes to /.
        bool local = raw_path.size() >= 1 && raw_path[0] == '/' &&
                     (raw_path.size() == 1 || raw_path[1] != '/') &&
                     raw_path.find('\\') == std::string_view::npos;
        HttpReply reply{303, "", {}, "text/plain; charset=utf-8"};
        reply.headers.emplace_back("Location", local ? std::string(raw_path) : "/");
        reply.headers.emplace_back("Set-Cookie", std::string(cookie_name) + "=" + token +
                                                     "; Path=/; HttpOnly; SameSite=Strict");
        reply.headers.emplace_back("Referrer-Policy", "no-referrer");
        return reply;
    }
    HttpReply reply = detail_reply(401, "Not authenticated");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
}

} // namespace bb::http_detail
