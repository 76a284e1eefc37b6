// GET /ui/api/search?q=TEXT: the page's search box. Redis keeps no index of
// events by time or type, so this reads what it can cheaply: a full id is
// looked up directly; otherwise a bounded SCAN of the summary hashes
// (bloodbank:event:*, written by bb-publish, expiring with the links; on a
// Redis Cluster, of each master in turn) finds ids starting with TEXT
// (Redis filters with MATCH) or, for other text, types containing it. The
// newest matches come first; "complete" says whether the SCAN went through
// every key.
#include "correlation/replies.hpp"
#include "http/replies.hpp"
#include "http/request.hpp"
#include "http/web.hpp"
#include "http/web_json.hpp"

#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/redis.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace bb::http_detail {
namespace {

// SCAN calls per search, each asking Redis to look at this many keys.
constexpr int scan_calls = 20;
constexpr std::string_view scan_count = "2000";

struct Found {
    Uuid id;
    std::optional<EventSummary> summary;
};

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_id_prefix(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
    });
}

// "bloodbank:event:", from the one place that spells the key.
std::string summary_key_prefix() {
    std::string key = event_key(Uuid{});
    key.resize(key.size() - Uuid{}.str().size());
    return key;
}

struct Scanned {
    std::vector<Uuid> ids;
    bool complete = false;
};

// One master's keys matching `pattern`, added to `scanned`; whether the
// SCAN went through all of them within its bound.
Result<bool> scan_master(RedisConnection& redis, std::size_t master, const std::string& pattern,
                         Scanned& scanned, std::unordered_set<Uuid, UuidHash>& seen) {
    std::string prefix = summary_key_prefix();
    std::string cursor = "0";
    for (int call = 0; call < scan_calls; ++call) {
        auto reply = redis.command_on_master(
            master, {"SCAN", cursor, "MATCH", pattern, "COUNT", scan_count});
        if (!reply)
            return reply.error();
        const redisReply* r = reply->get();
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY)
            return make_error(ErrorKind::data, "Redis answered SCAN with something else");
        cursor.assign(r->element[0]->str, r->element[0]->len);
        const redisReply* keys = r->element[1];
        for (std::size_t i = 0; i < keys->elements; ++i) {
            std::string_view key(keys->element[i]->str, keys->element[i]->len);
            if (key.substr(0, prefix.size()) != prefix)
                continue;
            auto id = parse_uuid(key.substr(prefix.size()));
            if (id && seen.insert(*id).second)
                scanned.ids.push_back(*id);
        }
        if (cursor == "0")
            return true;
    }
    return false;
}

// Every master of a cluster holds its own share of the keys: each is
// scanned in turn, with the same bound.
Result<Scanned> scan_ids(RedisConnection& redis, const std::string& pattern) {
    Scanned scanned;
    scanned.complete = true;
    std::unordered_set<Uuid, UuidHash> seen; // SCAN may return a key twice
    for (std::size_t master = 0; master < redis.masters(); ++master) {
        auto whole = scan_master(redis, master, pattern, scanned, seen);
        if (!whole)
            return whole.error();
        scanned.complete = scanned.complete && *whole;
    }
    return scanned;
}

Result<std::vector<Found>> read_summaries(RedisConnection& redis, const std::vector<Uuid>& ids) {
    for (const Uuid& id : ids)
        redis.append({"HGETALL", event_key(id)});
    auto replies = redis.flush();
    if (!replies)
        return replies.error();
    std::vector<Found> found;
    for (std::size_t i = 0; i < ids.size(); ++i)
        found.push_back({ids[i], detail::summary_from_reply((*replies)[i].get())});
    return found;
}

bool type_contains(const Found& found, const std::string& needle) {
    return found.summary && lowercase(found.summary->event_type).find(needle) != std::string::npos;
}

// Newest first; events whose time does not parse last.
bool newer(const Found& a, const Found& b) {
    auto time = [](const Found& f) {
        return f.summary && f.summary->time_micros ? *f.summary->time_micros : INT64_MIN;
    };
    if (time(a) != time(b))
        return time(a) > time(b);
    return a.id < b.id;
}

} // namespace

HttpReply web_search_reply(const HttpApiOptions& options, std::string_view query) {
    std::string text = query_value(query, "q").value_or("");
    auto limit = number_param(query, "limit", 20, 1, 100);
    if (limit.error)
        return *limit.error;
    std::string needle = lowercase(text);
    needle.erase(0, needle.find_first_not_of(" \t"));
    needle.erase(needle.find_last_not_of(" \t") + 1);

    auto request = open_redis(options);
    if (request.refusal)
        return std::move(*request.refusal);
    RedisConnection& redis = *request.redis;
    Scanned scanned;
    if (auto id = parse_uuid_as_python(needle)) {
        scanned.ids.push_back(*id);
        scanned.complete = true;
    } else {
        // An id prefix holds no glob characters, so it can go into MATCH.
        bool by_id = is_id_prefix(needle);
        auto found = scan_ids(redis, summary_key_prefix() + (by_id ? needle : "") + "*");
        if (!found)
            return error_reply(found.error(), "");
        scanned = std::move(*found);
    }
    auto events = read_summaries(redis, scanned.ids);
    if (!events)
        return error_reply(events.error(), "");
    bool by_type = !needle.empty() && !is_id_prefix(needle) && !parse_uuid_as_python(needle);
    if (by_type)
        std::erase_if(*events, [&](const Found& f) { return !type_contains(f, needle); });
    std::sort(events->begin(), events->end(), newer);
    if (events->size() > static_cast<std::size_t>(limit.value))
        events->resize(static_cast<std::size_t>(limit.value));

    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("query");
    write_text_or_null(w, text);
    w.Key("complete");
    w.Bool(scanned.complete);
    w.Key("events");
    w.StartArray();
    for (const Found& found : *events) {
        w.StartObject();
        w.Key("id");
        write_string(w, found.id.str());
        w.Key("summary");
        write_summary(w, found.summary);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {200, text_of(buffer), {}};
}

} // namespace bb::http_detail
