#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_set>
#include <vector>

namespace bb {
namespace {

constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseFullPrecisionFlag;
// ASCII text is valid UTF-8 by definition, and RapidJSON's byte-by-byte
// validation is the single most expensive step of parsing a short document;
// ASCII-only input skips it. Escapes (\uXXXX) are checked either way.
constexpr unsigned ascii_parse_flags = parse_flags & ~rapidjson::kParseValidateEncodingFlag;

bool is_ascii(std::string_view text) {
    const char* p = text.data();
    const char* end = p + text.size();
    std::uint64_t high_bits = 0;
    for (; end - p >= 8; p += 8) {
        std::uint64_t word;
        std::memcpy(&word, p, sizeof(word));
        high_bits |= word;
    }
    for (; p < end; ++p)
        high_bits |= static_cast<unsigned char>(*p);
    return (high_bits & 0x8080808080808080ull) == 0;
}

// The keys of the objects being parsed, innermost last. Small objects, the
// common case, are checked by a linear scan of one flat list; an object that
// grows past linear_limit keys moves to a hash set, so huge objects stay
// linear in time. The storage is reused from one document to the next
// (one tracker per thread), so parsing a small document allocates nothing here.
class KeyTracker {
public:
    void clear() {
        arena_.clear();
        keys_.clear();
        levels_.clear();
    }
    void open() { levels_.push_back(Level{keys_.size(), arena_.size(), nullptr}); }
    void close() {
        Level& level = levels_.back();
        keys_.resize(level.first_key);
        arena_.resize(level.arena_start);
        levels_.pop_back();
    }
    // False if the innermost object already has this key.
    bool insert(std::string_view key) {
        Level& level = levels_.back();
        if (level.set)
            return level.set->insert(std::string(key)).second;
        for (std::size_t i = level.first_key; i < keys_.size(); ++i)
            if (stored(i) == key)
                return false;
        if (keys_.size() - level.first_key >= linear_limit) {
            level.set = std::make_unique<std::unordered_set<std::string>>();
            for (std::size_t i = level.first_key; i < keys_.size(); ++i)
                level.set->insert(std::string(stored(i)));
            level.set->insert(std::string(key));
            keys_.resize(level.first_key);
            arena_.resize(level.arena_start);
            return true;
        }
        keys_.push_back(Span{arena_.size(), key.size()});
        arena_.append(key);
        return true;
    }

private:
    static constexpr std::size_t linear_limit = 32;
    struct Span {
        std::size_t offset, size;
    };
    struct Level {
        std::size_t first_key, arena_start;
        std::unique_ptr<std::unordered_set<std::string>> set;
    };
    std::string_view stored(std::size_t i) const {
        return std::string_view(arena_).substr(keys_[i].offset, keys_[i].size);
    }

    std::string arena_; // the key bytes, back to back
    std::vector<Span> keys_;
    std::vector<Level> levels_;
};

// Forwards SAX events to the document while enforcing depth and key
// uniqueness. Returning false stops the reader at once (kParseErrorTermination).
class LimitedHandler {
public:
    LimitedHandler(rapidjson::Document& doc, const rapidjson::MemoryStream& stream,
                   unsigned max_depth, KeyTracker& keys)
        : doc_(doc), stream_(stream), max_depth_(max_depth), keys_(keys) {
        keys_.clear();
    }

    bool Null() { return doc_.Null(); }
    bool Bool(bool b) { return doc_.Bool(b); }
    bool Int(int i) { return doc_.Int(i); }
    bool Uint(unsigned u) { return doc_.Uint(u); }
    bool Int64(int64_t i) { return doc_.Int64(i); }
    bool Uint64(uint64_t u) { return doc_.Uint64(u); }
    bool Double(double d) { return doc_.Double(d); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
        return doc_.RawNumber(s, n, copy);
    }
    bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }

    bool StartObject() {
        if (!enter())
            return false;
        keys_.open();
        return doc_.StartObject();
    }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) {
        if (!keys_.insert(std::string_view(s, n))) {
            failure_ = fmt::format("duplicate key \"{}\" at byte {}", std::string_view(s, n),
                                   stream_.Tell());
            return false;
        }
        return doc_.Key(s, n, copy);
    }
    bool EndObject(rapidjson::SizeType members) {
        --depth_;
        keys_.close();
        return doc_.EndObject(members);
    }
    bool StartArray() { return enter() && doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType elements) {
        --depth_;
        return doc_.EndArray(elements);
    }

    const std::string& failure() const { return failure_; }

private:
    bool enter() {
        if (++depth_ > max_depth_) {
            failure_ =
                fmt::format("nesting deeper than {} levels at byte {}", max_depth_, stream_.Tell());
            return false;
        }
        return true;
    }

    rapidjson::Document& doc_;
    const rapidjson::MemoryStream& stream_;
    unsigned max_depth_;
    unsigned depth_ = 0;
    KeyTracker& keys_;
    std::string failure_;
};

} // namespace

Result<rapidjson::Document> parse_json(std::string_view text, const JsonLimits& limits) {
    if (text.size() > limits.max_bytes)
        return make_error(ErrorKind::data,
                          fmt::format("document of {} bytes is larger than the limit of {} bytes",
                                      text.size(), limits.max_bytes));
    // RapidJSON's streams read a NUL as the end of input, which would hide
    // whatever follows it; JSON text never contains a raw NUL.
    if (const void* nul = std::memchr(text.data(), '\0', text.size()))
        return make_error(
            ErrorKind::data,
            fmt::format("NUL byte at byte {}", static_cast<const char*>(nul) - text.data()));

    // Per-thread parsing state whose buffers outlive one document: the
    // reader's string stack and the key tracker.
    thread_local rapidjson::Reader reader;
    thread_local KeyTracker keys;

    rapidjson::Document doc;
    rapidjson::MemoryStream stream(text.data(), text.size());
    LimitedHandler handler(doc, stream, limits.max_depth, keys);
    rapidjson::ParseResult result;
    auto generator = [&](rapidjson::Document& target) {
        (void)target;
        result = is_ascii(text) ? reader.Parse<ascii_parse_flags>(stream, handler)
                                : reader.Parse<parse_flags>(stream, handler);
        return !result.IsError();
    };
    doc.Populate(generator);
    if (result.IsError()) {
        if (!handler.failure().empty())
            return make_error(ErrorKind::data, handler.failure());
        if (result.Code() == rapidjson::kParseErrorStringInvalidEncoding)
            return make_error(ErrorKind::data,
                              fmt::format("invalid UTF-8 at byte {}", result.Offset()));
        return make_error(ErrorKind::data,
                          fmt::format("invalid JSON at byte {}: {}", result.Offset(),
                                      rapidjson::GetParseError_En(result.Code())));
    }
    return doc;
}

namespace {
// A RapidJSON output stream appending to a std::string, without a buffer copy.
struct StringSink {
    using Ch = char;
    std::string& s;
    void Put(char c) { s.push_back(c); }
    void Flush() {}
};

// Floats as orjson writes them (the Python publisher's serializer): the
// shortest digits that read back exactly, in fixed notation when the decimal
// point falls within 16 digits before or 5 zeros after the first digit, else
// scientific without a '+' or leading zeros: 100.0, 0.00001, 1e16, 1e-6,
// 1.2345678901234568e17. RapidJSON's own would write 1e16 as
// 10000000000000000.0 and does not always find the shortest digits.
void append_double(double d, std::string& out) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    (void)ec; // 64 bytes hold any double
    std::string_view sci(buf, static_cast<std::size_t>(end - buf));
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    std::size_t e_pos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e_pos))
        if (c != '.')
            digits += c;
    int exponent = 0;
    std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+'), sci.data() + sci.size(),
                    exponent);
    if (digits == "0") {
        out += "0.0";
        return;
    }
    const int length = static_cast<int>(digits.size());
    const int point = exponent + 1; // digits before the decimal point
    if (point > 0 && point <= 16) {
        if (length <= point) {
            out += digits;
            out.append(static_cast<std::size_t>(point - length), '0');
            out += ".0";
        } else {
            out.append(digits, 0, static_cast<std::size_t>(point));
            out += '.';
            out.append(digits, static_cast<std::size_t>(point));
        }
    } else if (point > -5 && point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else {
        out += digits.front();
        if (length > 1) {
            out += '.';
            out.append(digits, 1);
        }
        out += 'e';
        out += std::to_string(exponent);
    }
}

// RapidJSON's writer with orjson's float format. Accept() calls the handler
// through its static type, so hiding Double() is enough.
class OrjsonWriter : public rapidjson::Writer<StringSink> {
public:
    OrjsonWriter(StringSink& sink, std::string& out) : Writer(sink), out_(out) {}
    bool Double(double d) {
        Prefix(rapidjson::kNumberType);
        append_double(d, out_);
        return EndValue(true);
    }

private:
    std::string& out_;
};

} // namespace

void append_compact_json(const rapidjson::Value& value, std::string& out) {
    std::size_t start = out.size();
    StringSink sink{out};
    OrjsonWriter writer(sink, out);
    value.Accept(writer);
    // RapidJSON writes control characters as \u001F, Python and orjson as
    // \u001f. Backslashes occur only in escapes, so a left-to-right scan
    // visits every \uXXXX exactly.
    for (std::size_t i = out.find('\\', start); i != std::string::npos; i = out.find('\\', i)) {
        if (out[i + 1] == 'u')
            for (std::size_t k = i + 2; k < i + 6; ++k)
                if (out[k] >= 'A' && out[k] <= 'F')
                    out[k] = static_cast<char>(out[k] - 'A' + 'a');
        i += 2;
    }
}

std::string to_compact_json(const rapidjson::Value& value) {
    std::string out;
    append_compact_json(value, out);
    return out;
}

std::string_view json_type_name(const rapidjson::Value& value) {
    switch (value.GetType()) {
    case rapidjson::kNullType:
        return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
        return "boolean";
    case rapidjson::kObjectType:
        return "object";
    case rapidjson::kArrayType:
        return "array";
    case rapidjson::kStringType:
        return "string";
    case rapidjson::kNumberType:
        return value.IsInt64() || value.IsUint64() ? "integer" : "number";
    }
    return "value";
}

} // namespace bb
