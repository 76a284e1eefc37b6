#include "support/redis.hpp"

#include <stdexcept>

namespace bbtest {

Redis::Redis(const std::string& host, int port)
    : ctx_(redisConnect(host.c_str(), port), &redisFree) {
    if (!ctx_ || ctx_->err)
        throw std::runtime_error("cannot connect to Redis at " + host + ":" + std::to_string(port));
}

namespace {
void flatten(const redisReply* r, std::vector<std::string>& out) {
    for (size_t i = 0; i < r->elements; ++i) {
        const redisReply* e = r->element[i];
        if (e->type == REDIS_REPLY_ARRAY)
            flatten(e, out);
        else if (e->type == REDIS_REPLY_INTEGER)
            out.push_back(std::to_string(e->integer));
        else if (e->str)
            out.emplace_back(e->str, e->len);
        else
            out.emplace_back();
    }
}
} // namespace

Reply Redis::command(const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
    }
    auto* raw = static_cast<redisReply*>(
        redisCommandArgv(ctx_.get(), static_cast<int>(args.size()), args.data(), lens.data()));
    if (!raw)
        throw std::runtime_error("Redis command failed: connection error");
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(raw, &freeReplyObject);
    Reply r;
    r.type = reply->type;
    r.integer = reply->integer;
    if (reply->str)
        r.str.assign(reply->str, reply->len);
    if (reply->type == REDIS_REPLY_ARRAY)
        flatten(reply.get(), r.elements);
    return r;
}

} // namespace bbtest
