// A hand-written reader that follows python-dotenv's grammar (its regular
// expressions are noted beside each step) so both systems see the same values.
#include "bloodbank/dotenv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace bb {
namespace {

bool is_inline_space(char c) {
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}
bool is_newline(char c) {
    return c == '\n' || c == '\r';
}
bool is_space(char c) {
    return is_inline_space(c) || is_newline(c);
}

struct ParseFailure {};

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    bool starts_with(std::string_view s) const { return text_.substr(pos_).starts_with(s); }
    int line() const { return line_; }
    std::size_t pos() const { return pos_; }

    // Moves to `to`, counting \r\n, \n and \r as one line break each.
    void advance_to(std::size_t to) {
        for (; pos_ < to; ++pos_) {
            char c = text_[pos_];
            if (c == '\n' || (c == '\r' && (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '\n'))) {
                ++line_;
            }
        }
    }
    void skip_while(bool (*pred)(char)) {
        std::size_t end = pos_;
        while (end < text_.size() && pred(text_[end])) {
            ++end;
        }
        advance_to(end);
    }
    std::string_view take_until_newline() {
        std::size_t start = pos_;
        std::size_t end = text_.find_first_of("\r\n", pos_);
        advance_to(end == std::string_view::npos ? text_.size() : end);
        return text_.substr(start, pos_ - start);
    }

    // A quoted value: the content up to the first quote not preceded by a
    // backslash; without one, up to the last quote in the text. That is where
    // python-dotenv's greedy '((?:\\'|[^'])*)' ends.
    std::string_view take_quoted(char quote) {
        std::size_t start = pos_ + 1;
        std::size_t close = std::string_view::npos;
        for (std::size_t i = start; i < text_.size(); ++i) {
            if (text_[i] == quote && (i == start || text_[i - 1] != '\\')) {
                close = i;
                break;
            }
        }
        if (close == std::string_view::npos) {
            close = text_.rfind(quote);
            if (close == std::string_view::npos || close < start) {
                throw ParseFailure{};
            }
        }
        advance_to(close + 1);
        return text_.substr(start, close - start);
    }

    // '([^']+)': a key has no escapes, it ends at the next quote.
    std::string_view take_single_quoted_key() {
        std::size_t start = pos_ + 1;
        std::size_t close = text_.find('\'', start);
        if (close == std::string_view::npos) {
            throw ParseFailure{};
        }
        advance_to(close + 1);
        return text_.substr(start, close - start);
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

// \\[\\'] in single quotes; \\[\\'"abfnrtv] in double quotes.
std::string decode_escapes(std::string_view raw, bool double_quoted) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c != '\\' || i + 1 >= raw.size()) {
            out += c;
            continue;
        }
        char next = raw[i + 1];
        char decoded = '\0';
        switch (next) {
        case '\\':
        case '\'':
            decoded = next;
            break;
        case '"':
            decoded = double_quoted ? '"' : '\0';
            break;
        case 'a':
            decoded = double_quoted ? '\a' : '\0';
            break;
        case 'b':
            decoded = double_quoted ? '\b' : '\0';
            break;
        case 'f':
            decoded = double_quoted ? '\f' : '\0';
            break;
        case 'n':
            decoded = double_quoted ? '\n' : '\0';
            break;
        case 'r':
            decoded = double_quoted ? '\r' : '\0';
            break;
        case 't':
            decoded = double_quoted ? '\t' : '\0';
            break;
        case 'v':
            decoded = double_quoted ? '\v' : '\0';
            break;
        default:
            break;
        }
        if (decoded == '\0') {
            out += c;
        } else {
            out += decoded;
            ++i;
        }
    }
    return out;
}

// ([^\r\n]*), then \s+#.* removed, then trailing whitespace stripped.
std::string unquoted_value(std::string_view raw) {
    for (std::size_t i = 1; i < raw.size(); ++i) {
        if (raw[i] == '#' && is_inline_space(raw[i - 1])) {
            raw = raw.substr(0, i);
            break;
        }
    }
    while (!raw.empty() && is_inline_space(raw.back())) {
        raw.remove_suffix(1);
    }
    return std::string(raw);
}

std::string parse_value(Reader& reader) {
    char c = reader.peek();
    if (c == '\'' || c == '"') {
        return decode_escapes(reader.take_quoted(c), c == '"');
    }
    if (reader.at_end() || is_newline(c)) {
        return "";
    }
    return unquoted_value(reader.take_until_newline());
}

std::optional<std::string> parse_key(Reader& reader) {
    char c = reader.peek();
    if (c == '#') {
        return std::nullopt;
    }
    if (c == '\'') { // '([^']+)'
        std::string_view key = reader.take_single_quoted_key();
        if (key.empty()) {
            throw ParseFailure{};
        }
        return std::string(key);
    }
    std::string key; // ([^=\#\s]+)
    while (!reader.at_end() && reader.peek() != '=' && reader.peek() != '#' &&
           !is_space(reader.peek())) {
        key += reader.peek();
        reader.advance_to(reader.pos() + 1);
    }
    if (key.empty()) {
        throw ParseFailure{};
    }
    return key;
}

struct Statement {
    std::optional<std::string> key;
    std::optional<std::string> value; // nullopt: a bare KEY without '='
};

Statement parse_statement(Reader& reader) {
    if (reader.starts_with("export")) { // (?:export[^\S\r\n]+)?
        Reader probe = reader;
        probe.advance_to(reader.pos() + 6);
        if (is_inline_space(probe.peek())) {
            probe.skip_while(is_inline_space);
            reader = probe;
        }
    }
    Statement statement;
    statement.key = parse_key(reader);
    reader.skip_while(is_inline_space);
    if (reader.peek() == '=') {
        reader.advance_to(reader.pos() + 1);
        reader.skip_while(is_inline_space);
        statement.value = parse_value(reader);
    }
    Reader probe = reader; // (?:[^\S\r\n]*#[^\r\n]*)?
    probe.skip_while(is_inline_space);
    if (probe.peek() == '#') {
        probe.take_until_newline();
        reader = probe;
    }
    reader.skip_while(is_inline_space); // [^\S\r\n]*(?:\r\n|\n|\r|$)
    if (reader.starts_with("\r\n")) {
        reader.advance_to(reader.pos() + 2);
    } else if (is_newline(reader.peek())) {
        reader.advance_to(reader.pos() + 1);
    } else if (!reader.at_end()) {
        throw ParseFailure{};
    }
    return statement;
}

// ${NAME} and ${NAME:-default}; anything else is literal.
std::string expand(std::string_view value,
                   const std::function<std::optional<std::string>(const std::string&)>& resolve) {
    std::string out;
    std::size_t i = 0;
    while (i < value.size()) {
        std::size_t open = value.find("${", i);
        if (open == std::string_view::npos) {
            break;
        }
        std::size_t name_end = value.find_first_of("}:", open + 2);
        std::size_t close = std::string_view::npos;
        std::optional<std::string_view> fallback;
        if (name_end != std::string_view::npos && value[name_end] == '}') {
            close = name_end;
        } else if (name_end != std::string_view::npos && value.substr(name_end).starts_with(":-")) {
            close = value.find('}', name_end + 2);
            if (close != std::string_view::npos) {
                fallback = value.substr(name_end + 2, close - name_end - 2);
            }
        }
        if (close == std::string_view::npos) {
            out.append(value.substr(i, open + 1 - i));
            i = open + 1;
            continue;
        }
        out.append(value.substr(i, open - i));
        std::string name(value.substr(open + 2, name_end - open - 2));
        if (auto found = resolve(name)) {
            out += *found;
        } else if (fallback) {
            out.append(*fallback);
        }
        i = close + 1;
    }
    out.append(value.substr(std::min(i, value.size())));
    return out;
}

} // namespace

Result<std::vector<DotenvEntry>> parse_dotenv(std::string_view text, std::string_view file_name,
                                              const EnvLookup& lookup) {
    std::vector<DotenvEntry> entries;
    // What ${NAME} sees from the file so far; a bare KEY is present but empty.
    std::map<std::string, std::optional<std::string>> seen;
    auto resolve = [&](const std::string& name) -> std::optional<std::string> {
        if (name.empty()) {
            return std::nullopt;
        }
        if (auto value = lookup(name)) {
            return value;
        }
        if (auto it = seen.find(name); it != seen.end()) {
            return it->second.value_or("");
        }
        return std::nullopt;
    };

    Reader reader(text);
    while (true) {
        reader.skip_while(is_space);
        if (reader.at_end()) {
            break;
        }
        int line = reader.line();
        Statement statement;
        try {
            statement = parse_statement(reader);
        } catch (const ParseFailure&) {
            return make_error(ErrorKind::usage,
                              fmt::format("{}:{}: cannot parse this line (expected KEY=VALUE, "
                                          "a comment or a blank line)",
                                          file_name, line));
        }
        if (!statement.key) {
            continue;
        }
        if (!statement.value) {
            seen[*statement.key] = std::nullopt;
            continue;
        }
        std::string value = expand(*statement.value, resolve);
        seen[*statement.key] = value;
        entries.push_back(DotenvEntry{*statement.key, std::move(value), line});
    }
    return entries;
}

} // namespace bb
