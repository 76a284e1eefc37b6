#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <unordered_set>
#include <vector>

namespace bb {
namespace {

constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseFullPrecisionFlag;

// Forwards SAX events to the document while enforcing depth and key
// uniqueness. Returning false stops the reader at once (kParseErrorTermination).
class LimitedHandler {
public:
    LimitedHandler(rapidjson::Document& doc, const rapidjson::MemoryStream& stream,
                   unsigned max_depth)
        : doc_(doc), stream_(stream), max_depth_(max_depth) {}

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
        keys_.emplace_back();
        return doc_.StartObject();
    }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) {
        if (!keys_.back().insert(std::string(s, n)).second) {
            failure_ = fmt::format("duplicate key \"{}\" at byte {}", std::string_view(s, n),
                                   stream_.Tell());
            return false;
        }
        return doc_.Key(s, n, copy);
    }
    bool EndObject(rapidjson::SizeType members) {
        --depth_;
        keys_.pop_back();
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
    std::vector<std::unordered_set<std::string>> keys_;
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

    rapidjson::Document doc;
    rapidjson::MemoryStream stream(text.data(), text.size());
    LimitedHandler handler(doc, stream, limits.max_depth);
    rapidjson::ParseResult result;
    auto generator = [&](rapidjson::Document& target) {
        (void)target;
        rapidjson::Reader reader;
        result = reader.Parse<parse_flags>(stream, handler);
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
} // namespace

void append_compact_json(const rapidjson::Value& value, std::string& out) {
    StringSink sink{out};
    rapidjson::Writer<StringSink> writer(sink);
    value.Accept(writer);
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
