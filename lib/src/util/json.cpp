#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace bb {
namespace {

// Numbers arrive as their text and are converted here (see RawNumber):
// RapidJSON 1.1.0's own conversion misreads some (0e40, 0.000...) and has
// undefined behaviour on them.
constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseNumbersAsStringsFlag;
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

std::string invalid_json(std::size_t offset, rapidjson::ParseErrorCode code) {
    return fmt::format("invalid JSON at byte {}: {}", offset, rapidjson::GetParseError_En(code));
}

// RapidJSON 1.1.0 refuses the escape of a high surrogate without its low half
// but decodes that of a lone low surrogate ("\udc00") into ED B0 80, which is
// not UTF-8. Raw surrogates fail the UTF-8 check, so these bytes in a parsed
// string come from such an escape.
bool has_encoded_surrogate(std::string_view s) {
    for (std::size_t i = s.find('\xED'); i != std::string_view::npos; i = s.find('\xED', i + 1))
        if (i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0xA0)
            return true;
    return false;
}

// Where the first lone low surrogate escape is in `text`, which RapidJSON has
// read as JSON: there every backslash starts an escape, and the escape of a
// high surrogate is followed by that of its low half.
std::size_t lone_surrogate_escape(std::string_view text) {
    for (std::size_t i = text.find('\\'); i != std::string_view::npos; i = text.find('\\', i)) {
        if (text.substr(i + 1, 1) != "u") {
            i += 2;
            continue;
        }
        unsigned unit = 0;
        std::from_chars(text.data() + i + 2, text.data() + std::min(i + 6, text.size()), unit, 16);
        if (unit >= 0xDC00 && unit <= 0xDFFF)
            return i;
        i += unit >= 0xD800 && unit <= 0xDBFF ? 12 : 6;
    }
    return text.size();
}

// Whether a number out of a double's range is too large rather than too
// small: its first significant digit stands left of the decimal point once
// the exponent is applied. Such a number is never zero.
bool too_large(std::string_view number) {
    std::size_t e = std::min(number.find_first_of("eE"), number.size());
    std::string_view mantissa = number.substr(0, e);
    std::size_t point = std::min(mantissa.find('.'), mantissa.size());
    std::size_t first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos)
        return false;
    // The decimal exponent of the first significant digit.
    long long exponent = first < point ? static_cast<long long>(point - first) - 1
                                       : -static_cast<long long>(first - point);
    std::string_view digits = number.substr(std::min(e + 1, number.size()));
    bool negative = !digits.empty() && digits.front() == '-';
    if (!digits.empty() && (negative || digits.front() == '+'))
        digits.remove_prefix(1);
    long long value = 0;
    for (char c : digits) // saturates far beyond any mantissa's length
        value = std::min(value * 10 + (c - '0'), 1LL << 40);
    return exponent + (negative ? -value : value) > 0;
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
    LimitedHandler(rapidjson::Document& doc, std::string_view text,
                   const rapidjson::MemoryStream& stream, unsigned max_depth, KeyTracker& keys)
        : doc_(doc), text_(text), stream_(stream), max_depth_(max_depth), keys_(keys) {
        keys_.clear();
    }

    bool Null() { return doc_.Null(); }
    bool Bool(bool b) { return doc_.Bool(b); }
    bool Int(int i) { return doc_.Int(i); }
    bool Uint(unsigned u) { return doc_.Uint(u); }
    bool Int64(int64_t i) { return doc_.Int64(i); }
    bool Uint64(uint64_t u) { return doc_.Uint64(u); }
    bool Double(double d) { return doc_.Double(d); }
    // Every number, as its text: an integer that fits 64 bits exactly, any
    // other the correctly rounded double; too large for a double is an
    // error, too small is zero (as strtod and Python's float() read it).
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        std::string_view text(s, n);
        const char* end = s + n;
        if (text.find_first_of(".eE") == std::string_view::npos) {
            if (text.front() == '-') {
                std::int64_t i = 0;
                if (std::from_chars(s, end, i).ec == std::errc{})
                    return doc_.Int64(i);
            } else {
                std::uint64_t u = 0;
                if (std::from_chars(s, end, u).ec == std::errc{})
                    return doc_.Uint64(u);
            }
        }
        double d = 0;
        if (std::from_chars(s, end, d).ec == std::errc::result_out_of_range) {
            if (too_large(text)) {
                failure_ = invalid_json(stream_.Tell() - n, rapidjson::kParseErrorNumberTooBig);
                return false;
            }
            d = text.front() == '-' ? -0.0 : 0.0;
        }
        return doc_.Double(d);
    }
    bool String(const char* s, rapidjson::SizeType n, bool copy) {
        if (has_encoded_surrogate(std::string_view(s, n)))
            return lone_surrogate();
        return doc_.String(s, n, copy);
    }

    bool StartObject() {
        if (!enter())
            return false;
        keys_.open();
        return doc_.StartObject();
    }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) {
        if (has_encoded_surrogate(std::string_view(s, n)))
            return lone_surrogate();
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
    // Reported as RapidJSON reports a high surrogate without its low half.
    bool lone_surrogate() {
        failure_ = invalid_json(lone_surrogate_escape(text_.substr(0, stream_.Tell())),
                                rapidjson::kParseErrorStringUnicodeSurrogateInvalid);
        return false;
    }
    bool enter() {
        if (++depth_ > max_depth_) {
            failure_ =
                fmt::format("nesting deeper than {} levels at byte {}", max_depth_, stream_.Tell());
            return false;
        }
        return true;
    }

    rapidjson::Document& doc_;
    std::string_view text_;
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
    LimitedHandler handler(doc, text, stream, limits.max_depth, keys);
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
        // RapidJSON calls a raw tab or newline in a string an invalid escape.
        if (result.Code() == rapidjson::kParseErrorStringEscapeInvalid &&
            static_cast<unsigned char>(text[result.Offset()]) < 0x20)
            return make_error(ErrorKind::data,
                              fmt::format("unescaped control character U+{:04X} at byte {}",
                                          static_cast<unsigned char>(text[result.Offset()]),
                                          result.Offset()));
        return make_error(ErrorKind::data, invalid_json(result.Offset(), result.Code()));
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
    lowercase_json_escapes(out, start);
}

void lowercase_json_escapes(std::string& json, std::size_t from) {
    // Backslashes occur only in escapes, so a left-to-right scan visits
    // every \uXXXX exactly.
    for (std::size_t i = json.find('\\', from); i != std::string::npos; i = json.find('\\', i)) {
        if (json[i + 1] == 'u')
            for (std::size_t k = i + 2; k < i + 6; ++k)
                if (json[k] >= 'A' && json[k] <= 'F')
                    json[k] = static_cast<char>(json[k] - 'A' + 'a');
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
