#include "bloodbank/file_access.hpp"
#include "bloodbank/id_request.hpp"
#include "bloodbank/json.hpp"
#include "bloodbank/line_reader.hpp"
#include "bloodbank/python_str.hpp"
#include "bloodbank/write_all.hpp"

#include <fmt/format.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <unistd.h>

namespace bb {
namespace {

// ---- command-line requests ------------------------------------------------

Result<void> check_arg_utf8(std::string_view what, std::string_view text) {
    if (auto valid = check_utf8(text); !valid)
        return make_error(ErrorKind::data, fmt::format("{}: {}", what, valid.error().message));
    return {};
}

// ---- batch lines ----------------------------------------------------------

Error line_error(std::string message) {
    return make_error(ErrorKind::data, std::move(message));
}

Result<std::string_view> string_member(std::string_view name, const rapidjson::Value& value) {
    if (!value.IsString())
        return line_error(
            fmt::format("{}: expected a string, got {}", name, json_type_name(value)));
    return std::string_view(value.GetString(), value.GetStringLength());
}

// Collects the raw text of the numbers directly inside the top-level
// "fields" object. Used only when a field holds a number RapidJSON stored as
// a double, to render it from its literal: integers beyond 64 bits exactly,
// and decimals with a correctly rounded conversion.
class FieldNumberScanner {
public:
    std::map<std::string, std::string, std::less<>> numbers;

    bool Null() { return value(); }
    bool Bool(bool) { return value(); }
    bool Int(int) { return value(); }
    bool Uint(unsigned) { return value(); }
    bool Int64(int64_t) { return value(); }
    bool Uint64(uint64_t) { return value(); }
    bool Double(double) { return value(); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        if (depth_ == 2 && in_fields_)
            numbers[key_] = std::string(s, n);
        return value();
    }
    bool String(const char*, rapidjson::SizeType, bool) { return value(); }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        key_.assign(s, n);
        return true;
    }
    bool StartObject() { return start(); }
    bool EndObject(rapidjson::SizeType) { return end(); }
    bool StartArray() { return start(); }
    bool EndArray(rapidjson::SizeType) { return end(); }

private:
    bool value() { return true; }
    bool start() {
        if (depth_ == 1)
            in_fields_ = key_ == "fields";
        ++depth_;
        return true;
    }
    bool end() {
        --depth_;
        return true;
    }

    unsigned depth_ = 0;
    bool in_fields_ = false;
    std::string key_;
};

std::map<std::string, std::string, std::less<>> field_number_literals(std::string_view line) {
    FieldNumberScanner scanner;
    rapidjson::MemoryStream stream(line.data(), line.size());
    rapidjson::Reader reader;
    // The line already passed parse_json, so this cannot fail.
    reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(stream,
                                                                                         scanner);
    return std::move(scanner.numbers);
}

bool is_integer_literal(std::string_view literal) {
    return literal.find_first_of(".eE") == std::string_view::npos;
}

// A number RapidJSON holds as a double, rendered from its literal as Python's
// json.loads + str() would.
Result<void> append_python_number(std::string_view path, std::string_view literal, double parsed,
                                  std::string& out) {
    if (is_integer_literal(literal)) {
        // JSON has no leading zeros or '+': the literal is Python's str(int).
        // (Past DBL_MAX, about 309 digits, parse_json has refused the line.)
        out += literal;
        return {};
    }
    double value = 0;
    auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    if (ec == std::errc::result_out_of_range) {
        // Correct rounding gives zero or infinity here, as it does in Python;
        // RapidJSON's own value only tells which side of the range we are on.
        value = std::fabs(parsed) < 1 ? 0.0 : std::numeric_limits<double>::infinity();
        if (literal.front() == '-')
            value = -value;
    } else if (ec != std::errc() || end != literal.data() + literal.size()) {
        return make_error(ErrorKind::internal,
                          fmt::format("{}: cannot read number literal {}", path, literal));
    }
    append_python_float_repr(value, out);
    return {};
}

// The unique key of a "fields" object: each value rendered as Python's
// str(), then fields_key(). `line` is the request, for number literals.
Result<std::string> fields_unique_key(const rapidjson::Value& fields, std::string_view line) {
    IdFields values;
    values.reserve(fields.MemberCount());
    std::map<std::string, std::string, std::less<>> literals;
    bool have_literals = false;
    for (const auto& member : fields.GetObject()) {
        std::string_view field(member.name.GetString(), member.name.GetStringLength());
        auto path = [&] { return fmt::format("fields.{}", field); }; // for errors only
        std::string text;
        const rapidjson::Value& value = member.value;
        if (value.IsString()) {
            text.assign(value.GetString(), value.GetStringLength());
        } else if (value.IsBool()) {
            text = value.GetBool() ? "True" : "False";
        } else if (value.IsNull()) {
            text = "None";
        } else if (value.IsInt64()) {
            text = std::to_string(value.GetInt64());
        } else if (value.IsUint64()) {
            text = std::to_string(value.GetUint64());
        } else if (value.IsNumber()) {
            if (!have_literals) {
                literals = field_number_literals(line);
                have_literals = true;
            }
            auto literal = literals.find(field);
            if (literal == literals.end())
                return make_error(ErrorKind::internal,
                                  fmt::format("{}: number literal not found", path()));
            if (auto ok = append_python_number(path(), literal->second, value.GetDouble(), text);
                !ok)
                return ok.error();
        } else {
            return line_error(fmt::format("{}: expected a string, number, boolean or null, got {} "
                                          "(its Python repr is not reproduced)",
                                          path(), json_type_name(value)));
        }
        values.emplace_back(std::string(field), std::move(text));
    }
    return fields_key(std::move(values));
}

} // namespace

// ---- command-line requests ------------------------------------------------

Result<std::pair<std::string, std::string>> parse_field_arg(std::string_view arg,
                                                            std::string_view flag) {
    std::size_t eq = arg.find('=');
    if (eq == std::string_view::npos)
        return make_error(ErrorKind::usage,
                          fmt::format("{} \"{}\": expected KEY=VALUE", flag, arg));
    return std::pair{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

Result<IdFields> parse_field_args(const std::vector<std::string>& args, std::string_view flag,
                                  ErrorKind bad_text) {
    IdFields fields;
    std::set<std::string_view> seen; // views into args, which outlive this
    for (const std::string& arg : args) {
        auto field = parse_field_arg(arg, flag);
        if (!field)
            return field.error();
        auto [name, value] = std::move(*field);
        if (auto bad = find_invalid_utf8(arg)) // name the key only if it is text
            return make_error(bad_text,
                              fmt::format("{}{}: invalid UTF-8 at byte {}", flag,
                                          find_invalid_utf8(name) ? "" : " " + name, *bad));
        if (!seen.insert(std::string_view(arg).substr(0, name.size())).second)
            return make_error(ErrorKind::usage,
                              fmt::format("{} {}: given more than once", flag, name));
        fields.emplace_back(std::move(name), std::move(value));
    }
    return fields;
}

Result<Uuid> id_for_args(const IdArgs& args) {
    if (auto ok = check_arg_utf8("TYPE", args.event_type); !ok)
        return ok.error();
    if (auto ok = check_arg_utf8("--namespace", args.ns); !ok)
        return ok.error();
    if (args.key) {
        if (auto ok = check_arg_utf8("KEY", *args.key); !ok)
            return ok.error();
        return event_id_for_key(args.event_type, *args.key, args.ns);
    }
    // Text Python cannot hold in a str is bad data, as for TYPE and KEY.
    auto fields = parse_field_args(args.fields, "--field", ErrorKind::data);
    if (!fields)
        return fields.error();
    return event_id_for_fields(args.event_type, *fields, args.ns);
}

// ---- batch lines ----------------------------------------------------------

IdRequestReader::IdRequestReader(std::string default_ns) : default_ns_(std::move(default_ns)) {}

Result<Uuid> IdRequestReader::id_for_line(std::string_view line) {
    if (line.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return line_error("empty line (expected a JSON object)");
    auto parsed = parse_json(line);
    if (!parsed)
        return parsed.error();
    const rapidjson::Document& doc = *parsed;
    if (!doc.IsObject())
        return line_error(fmt::format("expected a JSON object, got {}", json_type_name(doc)));

    std::string_view event_type, key, ns = default_ns_;
    bool has_event_type = false, has_key = false;
    const rapidjson::Value* fields = nullptr;
    for (const auto& member : doc.GetObject()) {
        std::string_view name(member.name.GetString(), member.name.GetStringLength());
        if (name == "event_type" || name == "key" || name == "namespace") {
            auto text = string_member(name, member.value);
            if (!text)
                return text.error();
            if (name == "event_type") {
                event_type = *text;
                has_event_type = true;
            } else if (name == "key") {
                key = *text;
                has_key = true;
            } else {
                ns = *text;
            }
        } else if (name == "fields") {
            if (!member.value.IsObject())
                return line_error(fmt::format("fields: expected an object, got {}",
                                              json_type_name(member.value)));
            fields = &member.value;
        } else {
            return line_error(fmt::format(
                "{}: unknown field (expected event_type, key, fields or namespace)", name));
        }
    }
    if (!has_event_type)
        return line_error("event_type: required field is missing");
    if (has_key && fields)
        return line_error("fields and key are mutually exclusive");
    if (!has_key && !fields)
        return line_error("key or fields: one of them is required");

    name_.clear();
    if (has_key) {
        append_id_name(name_, ns, event_type, key);
        return uuid_v5(namespace_oid, name_);
    }

    auto unique_key = fields_unique_key(*fields, line);
    if (!unique_key)
        return unique_key.error();
    append_id_name(name_, ns, event_type, *unique_key);
    return uuid_v5(namespace_oid, name_);
}
// ---- streams ----------------------------------------------------------------

namespace {

Error io_error(std::string_view what, int error) {
    return make_error(ErrorKind::io, fmt::format("{}: {}", what, std::strerror(error)));
}

// Collects output lines and writes them in large blocks.
class BlockWriter {
public:
    explicit BlockWriter(int fd) : fd_(fd) { buffer_.reserve(capacity + 64); }

    char* claim(std::size_t size) {
        std::size_t old = buffer_.size();
        buffer_.resize(old + size);
        return buffer_.data() + old;
    }
    // Flushes once the buffer is full enough; call after each line.
    Result<void> maybe_flush() { return buffer_.size() >= capacity ? flush() : Result<void>(); }

    Result<void> flush() {
        int error = write_all(fd_, buffer_);
        buffer_.clear();
        if (error != 0)
            return io_error("write error", error);
        return {};
    }

private:
    static constexpr std::size_t capacity = 256 * 1024;
    int fd_;
    std::string buffer_;
};

} // namespace

Result<BatchSummary> run_id_batch(std::string_view path, int out_fd, std::string_view default_ns,
                                  const BadLineHandler& on_bad_line) {
    OpenedInput file;
    if (path != "-") {
        file = open_input(std::string(path));
        if (!file.fd)
            return io_error(path, file.error);
    }
    int in_fd = file.fd ? file.fd.get() : STDIN_FILENO;

    IdRequestReader reader{std::string(default_ns)};
    BlockWriter out(out_fd);
    BatchSummary summary;

    // Every line is a request, a blank one too, so that output line N answers
    // input line N. A line longer than the JSON size limit is not kept in
    // memory: the reader drops its bytes and reports its size.
    const std::size_t max_line = JsonLimits{}.max_bytes;
    LineReader lines(in_fd, max_line, LineReader::Framing::lines);
    for (;;) {
        auto next = lines.next_waiting();
        if (!next)
            return next.error();
        LineReader::Item item = *next;
        if (item.status == LineReader::Status::end)
            break;
        ++summary.lines;
        Result<Uuid> id =
            item.status == LineReader::Status::oversize
                ? Result<Uuid>(make_error(ErrorKind::data,
                                          fmt::format("line of {} bytes is longer than the limit "
                                                      "of {} bytes",
                                                      item.bytes, max_line)))
                : reader.id_for_line(item.text);
        if (id) {
            char* text = out.claim(37);
            id->format_to(text);
            text[36] = '\n';
        } else {
            ++summary.bad_lines;
            *out.claim(1) = '\n';
            on_bad_line(summary.lines, id.error());
        }
        if (auto ok = out.maybe_flush(); !ok)
            return ok.error();
    }
    if (auto ok = out.flush(); !ok)
        return ok.error();
    return summary;
}

Result<void> write_new_ids(int out_fd, std::uint64_t count, Uuid (*mint)()) {
    BlockWriter out(out_fd);
    for (std::uint64_t i = 0; i < count; ++i) {
        char* text = out.claim(37);
        mint().format_to(text);
        text[36] = '\n';
        if (auto ok = out.maybe_flush(); !ok)
            return ok.error();
    }
    return out.flush();
}

} // namespace bb
