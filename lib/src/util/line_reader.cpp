#include "bloodbank/line_reader.hpp"

#include "bloodbank/file_access.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace bb {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;

bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

// A line holding only "{" opens a multi-line document.
bool opens_document(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || s[first] != '{')
        return false;
    return s.find_first_not_of(" \t\r", first + 1) == std::string_view::npos;
}

std::string_view strip_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r')
        s.remove_suffix(1);
    return s;
}

// A record's text should the input end here: without a last LF and the CR
// before it. What a record still being read holds at least.
std::string_view strip_line_end(std::string_view s) {
    if (!s.empty() && s.back() == '\n')
        s.remove_suffix(1);
    return strip_cr(s);
}

} // namespace

LineReader::LineReader(int fd, std::size_t max_record_bytes, Framing framing)
    : fd_(fd), max_(max_record_bytes), documents_(framing == Framing::ndjson),
      skip_blank_(framing != Framing::lines), capacity_(max_record_bytes + 2 + read_chunk),
      // Not value-initialised: pages the input never reaches stay untouched.
      buffer_(new char[capacity_]) {}

Result<bool> LineReader::fill() {
    if (eof_)
        return false;
    if (begin_ > 0 && capacity_ - end_ < read_chunk) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        scan_ -= begin_;
        line_start_ -= std::min(line_start_, begin_);
        begin_ = 0;
    }
    for (;;) {
        ssize_t n = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
        if (n > 0) {
            end_ += static_cast<std::size_t>(n);
            return true;
        }
        if (n == 0) {
            eof_ = true;
            return false;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true; // nothing yet; poll() again
        return make_error(ErrorKind::io,
                          fmt::format("cannot read input: {}", std::strerror(errno)));
    }
}

void LineReader::start_skipping(Mode mode) {
    // Drop everything buffered for this record; keep only what the scan needs.
    note_skipped(std::string_view(buffer_.get() + begin_, end_ - begin_));
    begin_ = scan_ = end_ = 0;
    line_start_ = 0; // a line being checked starts at the next byte read
    mode_ = mode;
}

void LineReader::note_skipped(std::string_view bytes) {
    skipped_ += bytes.size();
    if (skipped_blank_ && !is_blank(bytes))
        skipped_blank_ = false;
    for (char c : bytes.substr(bytes.size() - std::min<std::size_t>(bytes.size(), 2)))
        skipped_end_ = skipped_end_.substr(1) + c;
}

LineReader::Item LineReader::take_line(std::size_t end) {
    // [begin_, end) is one complete line (without its LF).
    std::string_view text = strip_cr(std::string_view(buffer_.get() + begin_, end - begin_));
    Item item{Status::record, text, ++lines_, text.size(), false};
    return item;
}

LineReader::Scan LineReader::scan_document(std::size_t& pos) {
    // Walks bytes from pos, tracking strings and brackets; stops after the LF
    // of the line that closes the document (pos then points past it), or at
    // a top-level line whose first byte is "{" (pos then points to it): no
    // object's member can be, so the document was never closed and that line
    // is the next NDJSON record.
    for (; pos < end_; ++pos) {
        char c = buffer_[pos];
        char previous = previous_;
        previous_ = c;
        if (c == '\n') {
            ++lines_;
            // JSON strings never span lines: a broken one ends here.
            in_string_ = escaped_ = false;
            if (depth_ <= 0) {
                ++pos;
                return Scan::closed;
            }
            at_line_start_ = depth_ == 1;
            line_start_ = pos + 1;
            // The document's size should this line break it off: up to this
            // line end, without it. Counted here, as a skip drops the bytes.
            std::size_t offset = mode_ == Mode::skip_document ? skipped_ + pos : pos - begin_;
            unclosed_bytes_ = offset - (previous == '\r' ? 1 : 0);
            continue;
        }
        if (at_line_start_) {
            at_line_start_ = false;
            if (c == '{') {
                pos = line_start_;
                return Scan::broken;
            }
        }
        if (in_string_) {
            if (escaped_)
                escaped_ = false;
            else if (c == '\\')
                escaped_ = true;
            else if (c == '"')
                in_string_ = false;
        } else if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if (c == '}' || c == ']') {
            --depth_;
        }
    }
    return Scan::open;
}

Result<LineReader::Item> LineReader::next_waiting() {
    for (;;) {
        Item item = next();
        if (item.status != Status::need_input)
            return item;
        pollfd readable{fd_, POLLIN, 0}; // a non-blocking stdin waits here
        ::poll(&readable, 1, -1);
        if (auto filled = fill(); !filled)
            return filled.error();
    }
}

LineReader::Item LineReader::next() {
    for (;;) {
        switch (mode_) {
        case Mode::line: {
            const char* base = buffer_.get();
            const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
            if (!nl) {
                scan_ = end_;
                std::string_view pending(base + begin_, end_ - begin_);
                if (strip_line_end(pending).size() > max_) {
                    record_line_ = lines_ + 1;
                    start_skipping(Mode::skip_line);
                    continue;
                }
                if (!eof_)
                    return Item{Status::need_input, {}, lines_, 0, false};
                if (pending.empty())
                    return Item{Status::end, {}, lines_, 0, false};
                // A last line without LF.
                Item item = take_line(end_);
                begin_ = scan_ = end_;
                if (skip_blank_ && is_blank(item.text))
                    continue;
                if (item.text.size() > max_)
                    return {Status::oversize, {}, item.line, item.text.size(), false};
                return item;
            }
            std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
            Item item = take_line(at);
            std::size_t line_begin = begin_;
            begin_ = scan_ = at + 1;
            if (skip_blank_ && is_blank(item.text))
                continue;
            if (item.text.size() > max_)
                return {Status::oversize, {}, item.line, item.text.size(), false};
            if (documents_ && opens_document(item.text)) {
                // Rewind to the opening line: the document's text starts there.
                begin_ = line_begin;
                record_line_ = item.line;
                mode_ = Mode::document;
                depth_ = 1;
                in_string_ = escaped_ = false;
                at_line_start_ = true;
                line_start_ = scan_;
                unclosed_bytes_ = item.text.size();
                previous_ = '\n';
                continue;
            }
            return item;
        }
        case Mode::document: {
            std::size_t pos = scan_;
            Scan scan = scan_document(pos);
            if (scan == Scan::broken) {
                std::string_view text =
                    strip_line_end(std::string_view(buffer_.get() + begin_, line_start_ - begin_));
                begin_ = scan_ = line_start_;
                at_line_start_ = false;
                mode_ = Mode::line;
                if (text.size() > max_) // as when it is broken off while being skipped
                    return {Status::oversize, {}, record_line_, text.size(), true};
                Item item{Status::unclosed, text, record_line_, text.size(), true};
                item.next_line = lines_ + 1;
                return item;
            }
            bool closed = scan == Scan::closed;
            scan_ = pos;
            std::size_t size = (closed ? pos - 1 : pos) - begin_;
            std::string_view text = strip_line_end(std::string_view(buffer_.get() + begin_, size));
            if (!closed && text.size() > max_) {
                start_skipping(Mode::skip_document);
                continue;
            }
            if (!closed && !eof_)
                return Item{Status::need_input, {}, lines_, 0, false};
            begin_ = scan_;
            mode_ = Mode::line;
            if (text.size() > max_)
                return {Status::oversize, {}, record_line_, text.size(), true};
            return {Status::record, text, record_line_, text.size(), true};
        }
        case Mode::skip_line:
        case Mode::skip_document: {
            bool closed = false;
            bool broken = false;
            std::size_t pos = 0;
            if (mode_ == Mode::skip_document) {
                Scan scan = scan_document(pos);
                closed = scan == Scan::closed;
                broken = scan == Scan::broken;
            } else if (const void* nl = std::memchr(buffer_.get(), '\n', end_)) {
                pos = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.get()) + 1;
                ++lines_;
                closed = true;
            } else {
                pos = end_;
            }
            if (!closed && !broken && !eof_) {
                start_skipping(mode_); // drop this chunk too
                return Item{Status::need_input, {}, lines_, 0, false};
            }
            // The record ends before the LF at pos - 1 (or at the end of
            // input, or before the line that broke it off), and loses the
            // line end the record path strips.
            note_skipped(std::string_view(buffer_.get(), closed ? pos - 1 : pos));
            at_line_start_ = false;
            std::size_t total =
                broken ? unclosed_bytes_
                       : skipped_ - (skipped_end_.size() - strip_line_end(skipped_end_).size());
            bool blank = skipped_blank_;
            bool document = mode_ == Mode::skip_document;
            std::size_t line = record_line_;
            begin_ = scan_ = pos;
            skipped_ = 0;
            skipped_blank_ = true;
            skipped_end_.assign(2, '\0');
            mode_ = Mode::line;
            if (skip_blank_ && blank && !document) // a blank line is skipped, however long
                continue;
            return {Status::oversize, {}, line, total, document};
        }
        }
    }
}

Result<InputFile> InputFile::open(const std::string& path) {
    if (path == "-")
        return InputFile(UniqueFd());
    OpenedInput input = open_input(path);
    if (!input.fd)
        return make_error(open_error_kind(input.error),
                          fmt::format("cannot open {}: {}", path, std::strerror(input.error)));
    return InputFile(std::move(input.fd));
}

} // namespace bb
