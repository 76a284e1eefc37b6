// --offset-file: where a stream consumer stopped, kept across runs. Written
// to a temporary file and renamed, so a crash leaves the old offset or the
// new one whole.
#include "bloodbank/consume.hpp"
#include "bloodbank/file_access.hpp"
#include "bloodbank/unique_fd.hpp"
#include "bloodbank/write_all.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace bb {

Result<std::optional<std::uint64_t>> read_offset_file(const std::string& path) {
    auto text = read_file_text(path, 64, FileKind::regular);
    if (!text) {
        if (text.error().kind == ErrorKind::not_found)
            return std::optional<std::uint64_t>();
        return text.error();
    }
    std::string_view digits = *text;
    if (!digits.empty() && digits.back() == '\n')
        digits.remove_suffix(1);
    std::uint64_t offset = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
        return make_error(ErrorKind::data,
                          fmt::format("{}: not a stream offset (one number expected)", path));
    return std::optional<std::uint64_t>(offset);
}

Result<void> write_offset_file(const std::string& path, std::uint64_t next) {
    std::string temporary = path + ".tmp";
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd)
        return make_error(ErrorKind::io, fmt::format("{}: {}", temporary, errno_text(errno)));
    if (int error = write_all(fd.get(), fmt::format("{}\n", next)); error != 0)
        return make_error(ErrorKind::io, fmt::format("{}: {}", temporary, errno_text(error)));
    fd.reset();
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        return make_error(ErrorKind::io, fmt::format("{}: {}", path, errno_text(errno)));
    return {};
}

} // namespace bb
