// AMQP properties and header tables as bb-consume sees them. Scalars keep
// their value (an integer of any width becomes an int64, a timestamp too);
// nested tables and arrays are kept as JSON text, for display only, and are
// not carried over when a message is sent on.
#include "amqp/received.hpp"

#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>

namespace bb {

namespace {

// A header holding a count, as an integer or its decimal text; clamped.
std::optional<std::int64_t> count_header(const std::vector<Header>& headers, std::string_view key) {
    for (const Header& h : headers)
        if (h.key == key) {
            if (auto* n = std::get_if<std::int64_t>(&h.value.value))
                return std::clamp<std::int64_t>(*n, 0, 1'000'000);
            if (auto* s = std::get_if<std::string>(&h.value.value)) {
                std::int64_t n = 0;
                auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
                if (ec == std::errc() && end == s->data() + s->size() && n >= 0)
                    return std::min<std::int64_t>(n, 1'000'000);
            }
        }
    return std::nullopt;
}

} // namespace

int Received::attempts() const {
    return static_cast<int>(count_header(headers, attempts_header).value_or(0) +
                            count_header(headers, delivery_count_header).value_or(0));
}

std::optional<std::uint64_t> Received::stream_offset() const {
    for (const Header& h : headers)
        if (h.key == stream_offset_header)
            if (auto* n = std::get_if<std::int64_t>(&h.value.value); n && *n >= 0)
                return static_cast<std::uint64_t>(*n);
    return std::nullopt;
}

bool Received::replay() const {
    for (const Header& h : headers)
        if (h.key == replay_header)
            if (auto* b = std::get_if<bool>(&h.value.value))
                return *b;
    return false;
}

std::string_view Received::original_routing_key() const {
    for (const Header& h : headers)
        if (h.key == routing_key_header)
            if (auto* s = std::get_if<std::string>(&h.value.value); s && !h.value.nested_json)
                return *s;
    return routing_key;
}

namespace amqp_detail {
namespace {

std::string text(const amqp_bytes_t& bytes) {
    return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

rapidjson::Value to_json(const amqp_field_value_t& v, rapidjson::Document::AllocatorType& a);

rapidjson::Value to_json(const amqp_table_t& table, rapidjson::Document::AllocatorType& a) {
    rapidjson::Value object(rapidjson::kObjectType);
    for (int i = 0; i < table.num_entries; ++i) {
        std::string key = text(table.entries[i].key);
        object.AddMember(
            rapidjson::Value(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), a),
            to_json(table.entries[i].value, a), a);
    }
    return object;
}

rapidjson::Value to_json(const amqp_field_value_t& v, rapidjson::Document::AllocatorType& a) {
    switch (v.kind) {
    case AMQP_FIELD_KIND_BOOLEAN:
        return rapidjson::Value(v.value.boolean != 0);
    case AMQP_FIELD_KIND_I8:
        return rapidjson::Value(v.value.i8);
    case AMQP_FIELD_KIND_U8:
        return rapidjson::Value(v.value.u8);
    case AMQP_FIELD_KIND_I16:
        return rapidjson::Value(v.value.i16);
    case AMQP_FIELD_KIND_U16:
        return rapidjson::Value(v.value.u16);
    case AMQP_FIELD_KIND_I32:
        return rapidjson::Value(v.value.i32);
    case AMQP_FIELD_KIND_U32:
        return rapidjson::Value(v.value.u32);
    case AMQP_FIELD_KIND_I64:
        return rapidjson::Value(static_cast<std::int64_t>(v.value.i64));
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
        return rapidjson::Value(static_cast<std::uint64_t>(v.value.u64));
    case AMQP_FIELD_KIND_F32:
        return rapidjson::Value(static_cast<double>(v.value.f32));
    case AMQP_FIELD_KIND_F64:
        return rapidjson::Value(v.value.f64);
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES: {
        std::string s = text(v.value.bytes);
        return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
    }
    case AMQP_FIELD_KIND_ARRAY: {
        rapidjson::Value array(rapidjson::kArrayType);
        for (int i = 0; i < v.value.array.num_entries; ++i)
            array.PushBack(to_json(v.value.array.entries[i], a), a);
        return array;
    }
    case AMQP_FIELD_KIND_TABLE:
        return to_json(v.value.table, a);
    case AMQP_FIELD_KIND_DECIMAL: {
        double d = v.value.decimal.value;
        for (int i = 0; i < v.value.decimal.decimals; ++i)
            d /= 10;
        return rapidjson::Value(d);
    }
    default:
        return rapidjson::Value(); // void: null
    }
}

HeaderValue to_header_value(const amqp_field_value_t& v) {
    switch (v.kind) {
    case AMQP_FIELD_KIND_BOOLEAN:
        return {v.value.boolean != 0};
    case AMQP_FIELD_KIND_I8:
        return {std::int64_t{v.value.i8}};
    case AMQP_FIELD_KIND_U8:
        return {std::int64_t{v.value.u8}};
    case AMQP_FIELD_KIND_I16:
        return {std::int64_t{v.value.i16}};
    case AMQP_FIELD_KIND_U16:
        return {std::int64_t{v.value.u16}};
    case AMQP_FIELD_KIND_I32:
        return {std::int64_t{v.value.i32}};
    case AMQP_FIELD_KIND_U32:
        return {std::int64_t{v.value.u32}};
    case AMQP_FIELD_KIND_I64:
        return {std::int64_t{v.value.i64}};
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
        return {static_cast<std::int64_t>(v.value.u64)};
    case AMQP_FIELD_KIND_F32:
        return {static_cast<double>(v.value.f32)};
    case AMQP_FIELD_KIND_F64:
        return {v.value.f64};
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
        return {text(v.value.bytes)};
    default: {
        rapidjson::Document doc;
        rapidjson::Value json = to_json(v, doc.GetAllocator());
        HeaderValue nested{to_compact_json(json)};
        nested.nested_json = true;
        return nested;
    }
    }
}

} // namespace

void read_properties(const amqp_basic_properties_t& p, Received& out) {
    if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
        out.message_id = text(p.message_id);
    if (p._flags & AMQP_BASIC_CORRELATION_ID_FLAG)
        out.correlation_id = text(p.correlation_id);
    if (p._flags & AMQP_BASIC_TYPE_FLAG)
        out.type = text(p.type);
    if (p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
        out.content_type = text(p.content_type);
    if (p._flags & AMQP_BASIC_TIMESTAMP_FLAG)
        out.timestamp = p.timestamp;
    if (p._flags & AMQP_BASIC_HEADERS_FLAG)
        for (int i = 0; i < p.headers.num_entries; ++i)
            out.headers.push_back(
                {text(p.headers.entries[i].key), to_header_value(p.headers.entries[i].value)});
}

amqp_table_t to_table(const std::vector<Header>& headers,
                      std::vector<amqp_table_entry_t>& entries) {
    entries.clear();
    for (const Header& h : headers) {
        if (h.value.nested_json)
            continue;
        amqp_table_entry_t e{};
        e.key = {h.key.size(), const_cast<char*>(h.key.data())};
        if (auto* s = std::get_if<std::string>(&h.value.value)) {
            e.value.kind = AMQP_FIELD_KIND_UTF8;
            e.value.value.bytes = {s->size(), const_cast<char*>(s->data())};
        } else if (auto* n = std::get_if<std::int64_t>(&h.value.value)) {
            e.value.kind = AMQP_FIELD_KIND_I64;
            e.value.value.i64 = *n;
        } else if (auto* b = std::get_if<bool>(&h.value.value)) {
            e.value.kind = AMQP_FIELD_KIND_BOOLEAN;
            e.value.value.boolean = *b ? 1 : 0;
        } else {
            e.value.kind = AMQP_FIELD_KIND_F64;
            e.value.value.f64 = std::get<double>(h.value.value);
        }
        entries.push_back(e);
    }
    return {static_cast<int>(entries.size()), entries.data()};
}

std::vector<Header> merge_headers(const std::vector<Header>& base,
                                  const std::vector<Header>& extra) {
    std::vector<Header> merged;
    for (const Header& h : base) {
        bool replaced = false;
        for (const Header& e : extra)
            replaced = replaced || e.key == h.key;
        if (!replaced)
            merged.push_back(h);
    }
    merged.insert(merged.end(), extra.begin(), extra.end());
    return merged;
}

} // namespace amqp_detail
} // namespace bb
