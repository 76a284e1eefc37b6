// Which of the page's paths a request names, and the headers every answer
// of the page carries.
#include "http/request.hpp"
#include "http/web.hpp"
#include "http/web_files.hpp"

#include <fmt/format.h>

#include <charconv>

namespace bb::http_detail {
namespace {

// Only the server's own files: no inline script or style, no other origin,
// no frames, no plugins. The page sets styles through the DOM's style
// properties (CSSOM), which style-src does not restrict.
constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string_view content_type_of(std::string_view name) {
    auto ends_with = [&](std::string_view suffix) {
        return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
    };
    if (ends_with(".html"))
        return "text/html; charset=utf-8";
    if (ends_with(".css"))
        return "text/css; charset=utf-8";
    if (ends_with(".js"))
        return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}

const WebFile* find_file(std::string_view name) {
    for (const WebFile& file : embedded_web_files())
        if (file.name == name)
            return &file;
    return nullptr;
}

HttpReply file_reply(std::string_view name) {
    const WebFile* file = find_file(name);
    if (!file)
        return detail_reply(404, "Not Found");
    HttpReply reply{200, std::string(file->text), {}, std::string(content_type_of(name))};
    return reply;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// The single path segment after `prefix`, or nullopt.
std::optional<std::string_view> segment_after(std::string_view path, std::string_view prefix) {
    if (!starts_with(path, prefix))
        return std::nullopt;
    std::string_view rest = path.substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string_view::npos)
        return std::nullopt;
    return rest;
}

std::optional<HttpReply> page_reply(const HttpApiOptions& options, std::string_view path,
                                    std::string_view query) {
    // The page reads the id from its own address.
    if (path == "/" || segment_after(path, "/chain/"))
        return file_reply("index.html");
    if (auto name = segment_after(path, "/ui/static/"))
        return file_reply(*name);
    if (auto id = segment_after(path, "/ui/api/chain/"))
        return web_chain_reply(options, *id, query);
    if (auto id = segment_after(path, "/ui/api/event/"))
        return web_event_reply(options, *id);
    if (path == "/ui/api/search")
        return web_search_reply(options, query);
    if (starts_with(path, "/ui/"))
        return detail_reply(404, "Not Found");
    return std::nullopt;
}

} // namespace

std::optional<HttpReply> web_route(const HttpApiOptions& options, std::string_view method,
                                   std::string_view path, std::string_view query) {
    bool page_path = path == "/" || starts_with(path, "/chain/") || starts_with(path, "/ui/");
    if (!page_path)
        return std::nullopt;
    if (method != "GET") {
        HttpReply reply = detail_reply(405, "Method Not Allowed");
        reply.headers.emplace_back("Allow", "GET");
        return with_page_headers(std::move(reply));
    }
    auto reply = page_reply(options, path, query);
    if (!reply)
        reply = detail_reply(404, "Not Found");
    return with_page_headers(std::move(*reply));
}

HttpReply with_page_headers(HttpReply reply) {
    reply.headers.emplace_back("Content-Security-Policy", std::string(content_security_policy));
    reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
    reply.headers.emplace_back("Referrer-Policy", "no-referrer");
    // Chains change as events arrive: never show a stale answer.
    reply.headers.emplace_back("Cache-Control", "no-store");
    return reply;
}

NumberParam number_param(std::string_view query, std::string_view name, long fallback, long low,
                         long high) {
    auto text = query_value(query, name);
    if (!text)
        return {fallback, std::nullopt};
    long value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc{} || end != text->data() + text->size() || value < low ||
        value > high)
        return {0, detail_reply(400, fmt::format("{} must be a whole number from {} to {}", name,
                                                 low, high))};
    return {value, std::nullopt};
}

} // namespace bb::http_detail
