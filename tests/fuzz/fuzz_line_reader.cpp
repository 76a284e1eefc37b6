// Fuzz target: bb::LineReader, the NDJSON splitter of bb-publish.
//
// The input is sent through a pipe in pieces, under a few record limits and
// read sizes, and what the reader hands out is compared with a model written
// here from the header's description (whole input at once, no buffering):
// blank lines skipped (whatever their length), one CR before the LF dropped, lines numbered from 1,
// a line holding only "{" opening a document that runs until the brace closes (brackets in strings
// do not count, and strings end at the line end) or until a line of its top level whose first byte
// is "{" (the document is then unclosed and that line the next record), and records over the limit
// reported with their size instead of their text.
// So, besides exact agreement with the model:
//  - no record longer than the limit is handed out, oversize means larger;
//  - line numbers increase;
//  - the records and the oversize sizes account for every non-blank byte;
//  - the result does not depend on how the input was split into reads.
#include "fuzz_check.hpp"

#include "bloodbank/line_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <sys/ioctl.h>
#include <unistd.h>
#include <vector>

namespace {

using bb_fuzz::check;

struct Record {
    bool oversize = false;
    bool document = false;
    std::size_t line = 0;
    std::size_t bytes = 0;
    std::string text;          // empty for oversize
    std::size_t next_line = 0; // an unclosed document: the line that broke it off

    bool operator==(const Record&) const = default;
};

std::string describe(const Record& r) {
    return fmt::format("{}{} line {} ({} bytes) {:?}{}", r.document ? "document " : "",
                       r.oversize ? "oversize" : "record", r.line, r.bytes, r.text,
                       r.next_line ? fmt::format(" unclosed before line {}", r.next_line) : "");
}

// ---- the model ------------------------------------------------------------

struct Line {
    std::size_t begin = 0, size = 0; // without the LF
    bool terminated = false;         // ended by a LF
};

std::vector<Line> split_lines(std::string_view input) {
    std::vector<Line> lines;
    std::size_t begin = 0;
    while (begin < input.size()) {
        std::size_t lf = input.find('\n', begin);
        if (lf == std::string_view::npos) {
            lines.push_back({begin, input.size() - begin, false});
            break;
        }
        lines.push_back({begin, lf - begin, true});
        begin = lf + 1;
    }
    return lines;
}

std::string_view drop_cr(std::string_view s) {
    return !s.empty() && s.back() == '\r' ? s.substr(0, s.size() - 1) : s;
}

bool only_space(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

bool is_opener(std::string_view s) {
    std::size_t at = s.find_first_not_of(" \t\r");
    return at != std::string_view::npos && s[at] == '{' && only_space(s.substr(at + 1));
}

Record make_record(std::string_view text, std::size_t line, bool document, std::size_t max) {
    if (text.size() > max)
        return {true, document, line, text.size(), {}};
    return {false, document, line, text.size(), std::string(text)};
}

std::vector<Record> model(std::string_view input, std::size_t max) {
    std::vector<Record> out;
    auto lines = split_lines(input);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view text = drop_cr(input.substr(lines[i].begin, lines[i].size));
        if (only_space(text))
            continue;
        // An opener must end with its LF.
        if (!lines[i].terminated || text.size() > max || !is_opener(text)) {
            out.push_back(make_record(text, i + 1, false, max));
            continue;
        }
        int depth = 1;
        bool in_string = false, escaped = false;
        bool broken = false;
        std::size_t j = i + 1;
        for (; j < lines.size(); ++j) {
            std::string_view line = input.substr(lines[j].begin, lines[j].size);
            if (depth == 1 && !line.empty() && line[0] == '{') {
                broken = true;
                break;
            }
            in_string = escaped = false;
            for (char c : line) {
                if (in_string) {
                    if (escaped)
                        escaped = false;
                    else if (c == '\\')
                        escaped = true;
                    else if (c == '"')
                        in_string = false;
                } else if (c == '"') {
                    in_string = true;
                } else if (c == '{' || c == '[') {
                    ++depth;
                } else if (c == '}' || c == ']') {
                    --depth;
                }
            }
            if (lines[j].terminated && depth <= 0)
                break;
        }
        std::size_t begin = lines[i].begin;
        if (broken) { // lines i .. j-1, without the last line end; line j comes next
            std::string_view doc = input.substr(begin, lines[j].begin - 1 - begin);
            Record r = make_record(drop_cr(doc), i + 1, true, max);
            if (!r.oversize)
                r.next_line = j + 1;
            out.push_back(r);
            i = j - 1;
            continue;
        }
        if (j < lines.size()) {
            std::string_view doc = input.substr(begin, lines[j].begin + lines[j].size - begin);
            out.push_back(make_record(drop_cr(doc), i + 1, true, max));
        } else { // unclosed: the rest of the input, without its last line end
            std::string_view doc = input.substr(begin);
            if (doc.back() == '\n')
                doc.remove_suffix(1);
            out.push_back(make_record(drop_cr(doc), i + 1, true, max));
        }
        i = j;
    }
    return out;
}

// ---- the reader, fed through a pipe ---------------------------------------

struct Pipe {
    int read = -1, write = -1;
    Pipe() {
        int fds[2];
        check(::pipe(fds) == 0, "pipe() failed");
        read = fds[0];
        write = fds[1];
    }
    ~Pipe() {
        close_write();
        ::close(read);
    }
    void close_write() {
        if (write >= 0)
            ::close(write);
        write = -1;
    }
    std::size_t pending() const {
        int n = 0;
        check(::ioctl(read, FIONREAD, &n) == 0, "ioctl(FIONREAD) failed");
        return static_cast<std::size_t>(n);
    }
};

// The size of each write: a fixed size, or 1..64 bytes from a generator
// seeded by the input, so that the pieces fall everywhere.
class Chunks {
public:
    Chunks(std::size_t fixed, std::uint64_t seed) : fixed_(fixed), state_(seed | 1) {}
    std::size_t next() {
        if (fixed_ > 0)
            return fixed_;
        state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
        return 1 + static_cast<std::size_t>((state_ >> 33) % 64);
    }

private:
    std::size_t fixed_;
    std::uint64_t state_;
};

// A pipe holds at least 4 KiB; writing no more than that when it is empty
// never blocks.
constexpr std::size_t max_write = 4096;

std::vector<Record> read_through_pipe(std::string_view input, std::size_t max, Chunks chunks) {
    Pipe pipe;
    bb::LineReader reader(pipe.read, max);
    std::vector<Record> out;
    std::size_t sent = 0;
    bool at_end = false;
    for (;;) {
        auto item = reader.next();
        using Status = bb::LineReader::Status;
        if (item.status == Status::end)
            break;
        if (item.status == Status::record || item.status == Status::oversize ||
            item.status == Status::unclosed) {
            bool oversize = item.status == Status::oversize;
            bool unclosed = item.status == Status::unclosed;
            check(oversize || item.bytes == item.text.size(), "record size differs from its text");
            check(!oversize || item.text.empty(), "an oversize record carries text");
            check(!unclosed || item.next_line > item.line, "an unclosed document ends before it");
            out.push_back({oversize, item.document, item.line, item.bytes,
                           oversize ? std::string() : std::string(item.text),
                           unclosed ? item.next_line : 0});
            continue;
        }
        check(!at_end, "the reader asks for input after the end of input");
        if (pipe.pending() == 0) {
            if (sent < input.size()) {
                std::size_t n = std::min({chunks.next(), max_write, input.size() - sent});
                ssize_t written = ::write(pipe.write, input.data() + sent, n);
                check(written == static_cast<ssize_t>(n), "write() to the pipe failed");
                sent += n;
            } else {
                pipe.close_write();
            }
        }
        auto more = reader.fill();
        check(more.has_value(), "LineReader::fill() failed on a pipe");
        at_end = !*more;
    }
    check(sent == input.size(), "the reader ended before the input did");
    return out;
}

void compare(const std::vector<Record>& got, const std::vector<Record>& want, std::size_t max,
             std::string_view how) {
    for (std::size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
        if (i < got.size() && i < want.size() && got[i] == want[i])
            continue;
        bb_fuzz::fail(fmt::format("LineReader disagrees with the model (limit {}, {})", max, how),
                      fmt::format("item {}: got {}, expected {}", i,
                                  i < got.size() ? describe(got[i]) : "nothing",
                                  i < want.size() ? describe(want[i]) : "nothing"));
    }
}

// Invariants that hold whatever the model says.
void check_invariants(const std::vector<Record>& got, std::string_view input, std::size_t max) {
    std::size_t last_line = 0, accounted = 0;
    for (const auto& r : got) {
        check(r.line > last_line, "line numbers do not increase", describe(r));
        last_line = r.line;
        check(r.oversize ? r.bytes > max : r.bytes <= max, "the limit does not hold", describe(r));
        accounted += r.bytes;
    }
    std::size_t non_blank = std::count_if(input.begin(), input.end(), [](char c) {
        return c != ' ' && c != '\t' && c != '\r' && c != '\n';
    });
    // Records and oversize sizes leave out only line ends (a LF, the CR
    // before it) and blank lines, so they hold every other byte.
    check(accounted >= non_blank, "records account for fewer bytes than the input holds",
          fmt::format("{} bytes in records, {} non-blank input bytes", accounted, non_blank));
    check(accounted <= input.size(), "records account for more bytes than the input holds");
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 14695981039346656037ull;
    for (char c : s)
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    struct Run {
        std::size_t max;
        std::size_t chunk; // 0: varied sizes
    };
    // Byte-by-byte reads cost three system calls a byte: only for short inputs.
    std::size_t smallest = size <= 512 ? 1 : 3;
    for (Run run : {Run{8, smallest}, Run{16, 0}, Run{40, 7}, Run{1000, max_write}}) {
        auto want = model(input, run.max);
        auto got = read_through_pipe(input, run.max, Chunks(run.chunk, fnv1a(input)));
        std::string how =
            run.chunk > 0 ? fmt::format("reads of {} bytes", run.chunk) : "varied reads";
        check_invariants(got, input, run.max);
        compare(got, want, run.max, how);
    }
    return 0;
}
