#include "bloodbank/id_list.hpp"

#include "bloodbank/line_reader.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <string_view>

namespace bb {
namespace {

// Far longer than any id with blanks around it; longer lines are not ids.
constexpr std::size_t max_line_bytes = 1024;

std::string_view trim(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

} // namespace

Result<std::vector<Uuid>> read_id_list(int fd, std::size_t max_ids) {
    std::vector<Uuid> ids;
    LineReader lines(fd, max_line_bytes, LineReader::Framing::lines);
    for (;;) {
        auto next = lines.next_waiting();
        if (!next)
            return next.error();
        LineReader::Item item = *next;
        if (item.status == LineReader::Status::end)
            return ids;
        if (item.status != LineReader::Status::record)
            return make_error(ErrorKind::data, fmt::format("line {}: {} bytes is not an event id",
                                                           item.line, item.bytes));
        std::string_view text = trim(item.text);
        if (text.empty())
            continue;
        auto id = parse_uuid(text);
        if (!id)
            return make_error(ErrorKind::data,
                              fmt::format("line {}: \"{}\" is not a valid event id: {}", item.line,
                                          visible_text(text), id.error().message));
        if (ids.size() == max_ids)
            return make_error(ErrorKind::data,
                              fmt::format("more than {} ids on the input", max_ids));
        ids.push_back(*id);
    }
}

} // namespace bb
