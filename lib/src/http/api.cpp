#include "bloodbank/http_api.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstring>

namespace bb {
namespace {

using JsonWriter =
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>;

void write_string(JsonWriter& w, std::string_view text) {
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

std::string text_of(rapidjson::StringBuffer& buffer) {
    return std::string(buffer.GetString(), buffer.GetSize());
}

HttpReply detail_reply(int status, std::string_view detail) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("detail");
    // A path that is not UTF-8 cannot be echoed in JSON; say so instead.
    if (!w.String(detail.data(), static_cast<rapidjson::SizeType>(detail.size()))) {
        buffer.Clear();
        JsonWriter plain(buffer);
        plain.StartObject();
        plain.Key("detail");
        write_string(plain, "the request is not valid UTF-8");
        plain.EndObject();
        return {status, text_of(buffer), {}};
    }
    w.EndObject();
    return {status, text_of(buffer), {}};
}

HttpReply error_reply(const Error& error, std::string_view not_found_detail) {
    switch (error.kind) {
    case ErrorKind::not_found:
        return detail_reply(404, not_found_detail);
    case ErrorKind::unavailable:
    case ErrorKind::temporary:
        return detail_reply(503, error.message);
    default:
        return detail_reply(500, error.message);
    }
}

// Both endpoints answer with ids only: no summaries to fetch.
TraceOptions ids_only(const HttpApiOptions& options) {
    TraceOptions trace = options.trace;
    trace.summaries = false;
    return trace;
}

} // namespace

HttpReply healthz_reply(const HttpApiOptions& options) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("ok");
    w.Bool(true);
    w.Key("service");
    write_string(w, options.service_name);
    w.EndObject();
    return {200, text_of(buffer), {}};
}

HttpReply dump_reply(const HttpApiOptions& options, std::string_view raw_id) {
    auto id = parse_uuid(raw_id);
    if (!id)
        return detail_reply(400, fmt::format("Invalid UUID format: {}", raw_id));
    auto redis = RedisConnection::connect(options.redis, options.redis_timeout);
    if (!redis)
        return error_reply(redis.error(), "");
    auto dump = correlation_dump(*redis, *id, ids_only(options));
    if (!dump)
        return error_reply(dump.error(),
                           fmt::format("No correlation data found for event {}", raw_id));
    HttpReply reply{200, dump_json(*dump, false), {}};
    if (dump->truncated)
        reply.headers.emplace_back("X-Bloodbank-Truncated", dump->truncated_reason);
    return reply;
}

HttpReply chain_reply(const HttpApiOptions& options, std::string_view raw_id,
                      std::optional<std::string_view> direction_param) {
    std::string_view direction_name = direction_param.value_or("ancestors");
    if (direction_name != "ancestors" && direction_name != "descendants")
        return detail_reply(400, fmt::format("Invalid direction: {}. Must be 'ancestors' or "
                                             "'descendants'",
                                             direction_name));
    auto id = parse_uuid(raw_id);
    if (!id)
        return detail_reply(400, fmt::format("Invalid UUID format: {}", raw_id));
    Direction direction =
        direction_name == "ancestors" ? Direction::ancestors : Direction::descendants;

    auto redis = RedisConnection::connect(options.redis, options.redis_timeout);
    if (!redis)
        return error_reply(redis.error(), "");
    auto graph = trace_chain(*redis, *id, direction, ids_only(options));
    if (!graph)
        return error_reply(graph.error(),
                           fmt::format("No correlation chain found for event {}", raw_id));

    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("event_id");
    write_string(w, raw_id); // echoed as given, as the Python service does
    w.Key("direction");
    write_string(w, direction_name);
    w.Key("chain");
    w.StartArray();
    for (const TraceNode& node : graph->nodes())
        write_string(w, node.id.str());
    w.EndArray();
    w.Key("count");
    w.Uint64(graph->size());
    w.EndObject();
    HttpReply reply{200, text_of(buffer), {}};
    if (graph->truncated())
        reply.headers.emplace_back("X-Bloodbank-Truncated", graph->truncated_reason());
    return reply;
}

struct HttpApiServer::Impl {
    HttpApiOptions options;
    httplib::Server server;
};

namespace {

void send(httplib::Response& res, const HttpReply& reply) {
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers)
        res.set_header(name, value);
    res.set_content(reply.body, "application/json");
}

} // namespace

HttpApiServer::HttpApiServer(HttpApiOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    const HttpApiOptions& opts = impl_->options;
    httplib::Server& server = impl_->server;

    server.Get("/healthz", [&opts](const httplib::Request&, httplib::Response& res) {
        send(res, healthz_reply(opts));
    });
    server.Get(R"(/debug/correlation/([^/]+))",
               [&opts](const httplib::Request& req, httplib::Response& res) {
                   send(res, dump_reply(opts, req.matches[1].str()));
               });
    server.Get(R"(/debug/correlation/([^/]+)/chain)",
               [&opts](const httplib::Request& req, httplib::Response& res) {
                   std::optional<std::string> direction;
                   if (req.has_param("direction"))
                       direction = req.get_param_value("direction");
                   send(res, chain_reply(opts, req.matches[1].str(), direction));
               });
    // httplib's default is SO_REUSEPORT, which lets a second server bind the
    // same port and silently share its requests; a busy port must be an error.
    server.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // Unknown paths answer as FastAPI does rather than with an empty body.
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty() && res.status == 404)
            send(res, detail_reply(404, "Not Found"));
    });
    if (opts.log)
        server.set_logger([&opts](const httplib::Request& req, const httplib::Response& res) {
            // The request is untrusted: %0a must not forge a log line, nor
            // %1b drive the terminal the log is read on.
            opts.log(fmt::format("{} {} {}", visible_text(req.method), visible_text(req.path),
                                 res.status));
        });
}

HttpApiServer::~HttpApiServer() = default;

Result<void> HttpApiServer::bind() {
    const HttpApiOptions& opts = impl_->options;
    errno = 0;
    if (!impl_->server.bind_to_port(opts.host, opts.port)) {
        int error = errno;
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot listen on http://{}:{}: {}", opts.host, opts.port,
                                      error ? std::strerror(error) : "address not usable"));
    }
    return {};
}

Result<void> HttpApiServer::run() {
    if (!impl_->server.listen_after_bind())
        return make_error(ErrorKind::unavailable,
                          fmt::format("the HTTP server on http://{}:{} stopped unexpectedly",
                                      impl_->options.host, impl_->options.port));
    return {};
}

void HttpApiServer::stop() {
    impl_->server.stop();
}

} // namespace bb
