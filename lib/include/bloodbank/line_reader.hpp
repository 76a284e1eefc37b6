// Splits an input stream into records. For bb-publish (Framing::ndjson):
// NDJSON, one record per line, with one extension that cannot misread NDJSON: a line holding
// nothing but "{" (no NDJSON line can) opens a pretty-printed object, and the record runs over the
// following lines until that brace is closed. So a single pretty-printed document, or several in a
// row, work as well. A stray "{" line must not swallow the lines after it: a line of the document's
// top level whose first byte is "{" (no object member can be) ends it unclosed, and is read again
// as the next record. Blank lines are skipped. For bb-id (Framing::lines): every line
// is a record, a blank one too, so that a caller can answer line N with line N. For bb-publish
// --text (Framing::text): every non-blank line is a record, whatever it holds.
//
// A CR before the LF is dropped, and lines are
// numbered from 1. A record longer than the limit is never cut and never held
// whole: its bytes are discarded as they arrive and it is reported once, with
// its size, when its end is reached.
//
// The reader does no I/O on its own: next() hands out what is buffered and
// says when it needs more; fill() makes exactly one read(). So the caller can
// poll() the input together with other sockets and never blocks on it.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/unique_fd.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace bb {

class LineReader {
public:
    enum class Status {
        record,     // text holds one record (no line terminator)
        oversize,   // a record of `bytes` bytes was larger than the limit and skipped
        unclosed,   // a document broken off by line `next_line`, which is read next
        need_input, // call fill() (after poll() says the fd is readable)
        end,        // end of input, everything handed out
    };
    struct Item {
        Status status = Status::need_input;
        std::string_view text;     // valid until the next call to next() or fill()
        std::size_t line = 0;      // number of the record's first line
        std::size_t bytes = 0;     // size of the record (for oversize)
        bool document = false;     // spanned several lines (a pretty-printed document)
        std::size_t next_line = 0; // unclosed: the line that broke the document off
    };

    enum class Framing {
        ndjson, // blank lines skipped; a line of "{" opens a document
        lines,  // every line a record, blank ones too; no documents
        text,   // every line a record, blank lines skipped; no documents
    };

    // Reads from `fd`, which it does not own. Records of more than
    // `max_record_bytes` bytes are skipped.
    LineReader(int fd, std::size_t max_record_bytes, Framing framing = Framing::ndjson);

    Item next();
    // One read(); returns false at end of input. Errors are ErrorKind::io.
    Result<bool> fill();
    // For a caller with nothing else to wait for: next(), reading (and
    // waiting with poll(), so a non-blocking stdin works too) until it is no
    // longer need_input. Errors are fill()'s.
    Result<Item> next_waiting();

    int fd() const { return fd_; }
    std::size_t max_record_bytes() const { return max_; }

private:
    enum class Mode { line, document, skip_line, skip_document };

    Item take_line(std::size_t end);
    enum class Scan { open, closed, broken };
    Scan scan_document(std::size_t& pos);
    void start_skipping(Mode mode);
    void note_skipped(std::string_view bytes);

    int fd_;
    std::size_t max_;
    bool documents_;  // Framing::ndjson: documents recognised
    bool skip_blank_; // Framing::ndjson and text: blank lines skipped
    std::size_t capacity_;
    std::unique_ptr<char[]> buffer_;
    std::size_t begin_ = 0; // start of the unconsumed bytes
    std::size_t end_ = 0;   // end of the buffered bytes
    std::size_t scan_ = 0;  // where the search for the record's end resumes
    bool eof_ = false;
    std::size_t lines_ = 0; // lines completed so far

    Mode mode_ = Mode::line;
    std::size_t record_line_ = 0;         // first line of the record being read
    std::size_t skipped_ = 0;             // bytes of an oversize record already dropped
    bool skipped_blank_ = true;           // all of them spaces, tabs or CRs
    std::string skipped_end_{'\0', '\0'}; // the last two of them
    // Bracket matching for documents.
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;
    bool at_line_start_ = false;     // in the leading blanks of a top-level line
    std::size_t line_start_ = 0;     // where that line starts in the buffer
    std::size_t unclosed_bytes_ = 0; // the document's size should that line break it off
    char previous_ = '\0';           // the byte scanned last
};

// An input named on the command line: "-" is stdin, anything else a file
// opened by open_input() (closed when this goes away).
class InputFile {
public:
    // Errors name the path: "cannot open PATH: No such file or directory" is
    // ErrorKind::not_found (66, EX_NOINPUT); permission denied, a directory
    // and other failures are ErrorKind::io (74).
    static Result<InputFile> open(const std::string& path);
    int fd() const { return file_ ? file_.get() : 0; } // 0: stdin

private:
    explicit InputFile(UniqueFd file) : file_(std::move(file)) {}
    UniqueFd file_; // none for stdin
};

} // namespace bb
