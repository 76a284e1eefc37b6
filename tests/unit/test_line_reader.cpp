#include "bloodbank/line_reader.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

// What the reader handed out, in a form easy to compare.
struct Got {
    std::string kind; // "record", "oversize", "document", "document-oversize", "unclosed"
    std::string text;
    std::size_t line;
    std::size_t bytes;
    bool operator==(const Got&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
    return os << g.kind << "@" << g.line << "[" << g.bytes << "]:" << g.text;
}

void take(bb::LineReader::Item item, std::vector<Got>& out) {
    std::string kind = item.status == bb::LineReader::Status::record ? "record" : "oversize";
    if (item.document)
        kind = kind == "record" ? "document" : "document-oversize";
    if (item.status == bb::LineReader::Status::unclosed) {
        // Reported with the line that broke it off, which is the next record.
        kind = "unclosed";
        out.push_back({kind, std::string(item.text), item.line, item.bytes});
        out.push_back({"next-line", "", item.next_line, 0});
        return;
    }
    out.push_back({kind, std::string(item.text), item.line, item.bytes});
}

// Feeds `input` through a pipe `chunk` bytes at a time, reading everything
// the reader can hand out between chunks, so every chunk boundary is exercised.
std::vector<Got> read_all(const std::string& input, std::size_t max, std::size_t chunk,
                          bb::LineReader::Framing framing = bb::LineReader::Framing::ndjson) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    bb::LineReader reader(fds[0], max, framing);
    std::vector<Got> got;
    std::size_t sent = 0;
    for (;;) {
        auto item = reader.next();
        if (item.status == bb::LineReader::Status::end)
            break;
        if (item.status != bb::LineReader::Status::need_input) {
            take(item, got);
            continue;
        }
        if (sent < input.size()) {
            std::size_t n = std::min(chunk, input.size() - sent);
            REQUIRE(write(fds[1], input.data() + sent, n) == static_cast<ssize_t>(n));
            sent += n;
        }
        if (sent == input.size() && fds[1] >= 0) {
            close(fds[1]);
            fds[1] = -1;
        }
        auto more = reader.fill();
        REQUIRE(more.has_value());
    }
    close(fds[0]);
    return got;
}

// The same result must come out whatever the read sizes are.
std::vector<Got> read_checked(const std::string& input, std::size_t max = 1024,
                              bb::LineReader::Framing framing = bb::LineReader::Framing::ndjson) {
    auto whole = read_all(input, max, input.size() + 1, framing);
    for (std::size_t chunk : {1, 2, 3, 7, 64}) {
        CAPTURE(chunk);
        auto pieces = read_all(input, max, chunk, framing);
        CHECK(pieces.size() == whole.size());
        for (std::size_t i = 0; i < std::min(pieces.size(), whole.size()); ++i)
            CHECK(pieces[i] == whole[i]);
    }
    return whole;
}

} // namespace

TEST_CASE("line_reader: one record per line, numbered from 1") {
    auto got = read_checked("{\"a\":1}\n{\"b\":2}\n");
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"record", "{\"a\":1}", 1, 7});
    CHECK(got[1] == Got{"record", "{\"b\":2}", 2, 7});
}

TEST_CASE("line_reader: a last line without a newline is still a record") {
    auto got = read_checked("x\ny");
    REQUIRE(got.size() == 2);
    CHECK(got[1] == Got{"record", "y", 2, 1});
}

TEST_CASE("line_reader: CRLF line ends lose the CR") {
    auto got = read_checked("a\r\nbc\r\n");
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"record", "a", 1, 1});
    CHECK(got[1] == Got{"record", "bc", 2, 2});
}

TEST_CASE("line_reader: blank lines are skipped but counted") {
    auto got = read_checked("\n  \n\t\r\nx\n\n\ny\n   ");
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"record", "x", 4, 1});
    CHECK(got[1] == Got{"record", "y", 7, 1});
}

TEST_CASE("line_reader: empty input has no records") {
    CHECK(read_checked("").empty());
    CHECK(read_checked("\n\n").empty());
}

TEST_CASE("line_reader: a line longer than the limit is reported with its size, not cut") {
    std::string big(50, 'x');
    auto got = read_checked("ok\n" + big + "\nafter\n", 20);
    REQUIRE(got.size() == 3);
    CHECK(got[0] == Got{"record", "ok", 1, 2});
    CHECK(got[1] == Got{"oversize", "", 2, 50});
    CHECK(got[2] == Got{"record", "after", 3, 5});
}

TEST_CASE("line_reader: a line of exactly the limit passes, one byte more does not") {
    auto got = read_checked(std::string(20, 'a') + "\r\n" + std::string(21, 'b') + "\r\n", 20);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"record", std::string(20, 'a'), 1, 20});
    CHECK(got[1] == Got{"oversize", "", 2, 21});
}

TEST_CASE("line_reader: an over-size line far larger than the buffer is skipped in pieces") {
    // 1 MiB against a 100-byte limit: the reader's buffer is ~64 KiB larger
    // than the limit, so the line can only be measured by discarding it.
    std::string huge(1 << 20, 'z');
    auto got = read_all("first\n" + huge + "\r\nlast", 100, 1 << 16);
    REQUIRE(got.size() == 3);
    CHECK(got[1] == Got{"oversize", "", 2, std::size_t(1) << 20});
    CHECK(got[2] == Got{"record", "last", 3, 4});
}

TEST_CASE("line_reader: an over-size last line without newline is reported") {
    auto got = read_all("a\n" + std::string(200000, 'q'), 10, 4096);
    REQUIRE(got.size() == 2);
    CHECK(got[1] == Got{"oversize", "", 2, 200000});
}

TEST_CASE("line_reader: a blank line is skipped however long, whatever the reads") {
    std::string blank = std::string(40, ' ') + "\t\r" + std::string(40, ' ');
    auto got = read_checked("a\n" + blank + "\r\nb\n" + blank, 20);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"record", "a", 1, 1});
    CHECK(got[1] == Got{"record", "b", 3, 1});
    // Far larger than the buffer: measured by discarding it, then skipped.
    got = read_all("x\n" + std::string(1 << 20, ' ') + "\ny\n", 100, 1 << 16);
    REQUIRE(got.size() == 2);
    CHECK(got[1] == Got{"record", "y", 3, 1});
    // Blank so far is not blank: the bytes after the buffer count too.
    got = read_all(std::string(1 << 20, ' ') + "z\n", 100, 1 << 16);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == Got{"oversize", "", 1, (std::size_t(1) << 20) + 1});
}

TEST_CASE("line_reader: a record open at the end of input loses its line end, even skipped") {
    // The record path strips the CR of a last line without LF, and the LF
    // and CR ending an unclosed document; skipping it part-way must count
    // the same bytes and decide oversize on the same text.
    auto got = read_checked("a\n" + std::string(30, 'x') + "\r", 20);
    REQUIRE(got.size() == 2);
    CHECK(got[1] == Got{"oversize", "", 2, 30});
    std::string doc = "{\r\n" + std::string(30, '1') + "\r\n";
    got = read_checked(doc, 20);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == Got{"document-oversize", "", 1, doc.size() - 2});
    // Exactly the limit once stripped: a record, not skipped early.
    got = read_checked("{\r\n1,2,3,4,5,6,7\r\n", 16);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == Got{"document", "{\r\n1,2,3,4,5,6,7", 1, 16});
}

TEST_CASE("line_reader: a pretty-printed document is one record") {
    std::string doc = "{\n  \"a\": {\n    \"b\": [1, 2]\n  },\n  \"s\": \"}{[\\\"\"\n}\n";
    auto got = read_checked(doc);
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == "document");
    CHECK(got[0].line == 1);
    CHECK(got[0].text == doc.substr(0, doc.size() - 1));
}

TEST_CASE("line_reader: several documents and lines mix, with line numbers of their first line") {
    std::string input = "{\"x\":1}\n\n{\r\n \"y\": 2\r\n}\r\n{\n\"w\":\n[1]\n}\n{\"z\":3}\n";
    auto got = read_checked(input);
    REQUIRE(got.size() == 4);
    CHECK(got[0] == Got{"record", "{\"x\":1}", 1, 7});
    CHECK(got[1] == Got{"document", "{\r\n \"y\": 2\r\n}", 3, 13});
    CHECK(got[2] == Got{"document", "{\n\"w\":\n[1]\n}", 6, 12});
    CHECK(got[3] == Got{"record", "{\"z\":3}", 10, 7});
}

TEST_CASE("line_reader: a lone opening bracket line is a line, not a document") {
    auto got = read_checked("[\n1\n]\n");
    REQUIRE(got.size() == 3);
    CHECK(got[0] == Got{"record", "[", 1, 1});
    CHECK(got[1] == Got{"record", "1", 2, 1});
    CHECK(got[2] == Got{"record", "]", 3, 1});
}

TEST_CASE("line_reader: a stray opening-brace line does not swallow the NDJSON lines after it") {
    auto got = read_checked("{\n{\"a\":1}\n{\"b\":2}\n");
    REQUIRE(got.size() == 4);
    CHECK(got[0] == Got{"unclosed", "{", 1, 1});
    CHECK(got[1] == Got{"next-line", "", 2, 0});
    CHECK(got[2] == Got{"record", "{\"a\":1}", 2, 7});
    CHECK(got[3] == Got{"record", "{\"b\":2}", 3, 7});
    // Broken off part-way, after member lines; a string left open does not
    // hide the break (JSON strings never span lines), and a "{" line inside
    // an array is not at the top level.
    std::string broken = "{\r\n  \"k\": \"open\r\n  \"j\": [\n{\"x\":1}\n]";
    got = read_checked(broken + "\n{\"c\":3}\n");
    REQUIRE(got.size() == 3);
    CHECK(got[0] == Got{"unclosed", broken, 1, broken.size()});
    CHECK(got[1] == Got{"next-line", "", 6, 0});
    CHECK(got[2] == Got{"record", "{\"c\":3}", 6, 7});
    // Only a brace in the first column breaks it off: an indented one is
    // the document's (invalid) content.
    got = read_checked("{\n  {\"c\":3}\n}\n");
    REQUIRE(got.size() == 1);
    CHECK(got[0] == Got{"document", "{\n  {\"c\":3}\n}", 1, 13});
}

TEST_CASE("line_reader: a stray opening-brace line before thousands of lines costs only itself") {
    std::string input = "{\n";
    for (int i = 0; i < 30000; ++i)
        input += "{\"n\":" + std::to_string(i) + "}\n";
    auto got = read_all(input, 1 << 20, 65536);
    REQUIRE(got.size() == 30002);
    CHECK(got[0].kind == "unclosed");
    CHECK(got[2] == Got{"record", "{\"n\":0}", 2, 7});
    CHECK(got.back() == Got{"record", "{\"n\":29999}", 30001, 11});
}

TEST_CASE("line_reader: an over-size document broken off by a line that begins with a brace") {
    std::string doc = "{\n\"k\": \"" + std::string(300, 'v') + "\",\n";
    auto got = read_checked(doc + "{\"after\":1}\n", 100);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"document-oversize", "", 1, doc.size() - 1});
    CHECK(got[1] == Got{"record", "{\"after\":1}", 3, 11});
}

TEST_CASE("line_reader: an NDJSON line is never joined with the next, even when truncated") {
    auto got = read_checked("{\"a\":\n{\"b\":1}\n");
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"record", "{\"a\":", 1, 5});
    CHECK(got[1] == Got{"record", "{\"b\":1}", 2, 7});
}

TEST_CASE("line_reader: an unterminated document runs to the end of input") {
    auto got = read_checked("{\n\"a\": 1\n");
    REQUIRE(got.size() == 1);
    CHECK(got[0] == Got{"document", "{\n\"a\": 1", 1, 8});
}

TEST_CASE("line_reader: an over-size document is skipped whole and reading goes on after it") {
    std::string doc = "{\n\"k\": \"" + std::string(300, 'v') + "\"\n}\n";
    auto got = read_checked(doc + "{\"after\":1}\n", 100);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == Got{"document-oversize", "", 1, doc.size() - 1});
    CHECK(got[1] == Got{"record", "{\"after\":1}", 4, 11});
}

TEST_CASE("line_reader: a file input and a missing file") {
    char path[] = "/tmp/bb-line-reader-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, "a\nb\n", 4) == 4);
    close(fd);
    auto file = bb::InputFile::open(path);
    REQUIRE(file.has_value());
    bb::LineReader reader(file->fd(), 100);
    std::vector<std::string> lines;
    for (;;) {
        auto item = reader.next();
        if (item.status == bb::LineReader::Status::end)
            break;
        if (item.status == bb::LineReader::Status::need_input)
            REQUIRE(reader.fill().has_value());
        else
            lines.emplace_back(item.text);
    }
    CHECK(lines == std::vector<std::string>{"a", "b"});
    unlink(path);

    auto missing = bb::InputFile::open(path);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().kind == bb::ErrorKind::not_found);
    CHECK(missing.error().message ==
          std::string("cannot open ") + path + ": No such file or directory");
    CHECK(bb::InputFile::open("-")->fd() == 0);
}

TEST_CASE("line_reader: Framing::lines makes every line a record, blank ones too") {
    constexpr auto lines = bb::LineReader::Framing::lines;
    auto got = read_checked("a\n\n  \r\n{\n}\n" + std::string(20, ' ') + "\nlast", 10, lines);
    REQUIRE(got.size() == 7);
    CHECK(got[0] == Got{"record", "a", 1, 1});
    CHECK(got[1] == Got{"record", "", 2, 0});
    CHECK(got[2] == Got{"record", "  ", 3, 2});
    CHECK(got[3] == Got{"record", "{", 4, 1}); // no document: a line like any other
    CHECK(got[4] == Got{"record", "}", 5, 1});
    CHECK(got[5] == Got{"oversize", "", 6, 20}); // blank, but still an answerable line
    CHECK(got[6] == Got{"record", "last", 7, 4});
}
