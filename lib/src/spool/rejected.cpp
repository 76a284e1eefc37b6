// Setting poison events aside: see rejected.hpp.
#include "spool/rejected.hpp"

#include "spool/io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace bb::spool_detail {
namespace {

// The first name from `name` on, in its writer's sequence, that is not taken:
// a drain killed after setting events aside but before marking them sets
// them aside again, never over the first copy.
std::string free_name(const std::string& folder, const std::string& name) {
    auto parts = parse_segment_name(name);
    std::string candidate = name;
    for (std::size_t next = 1;; ++next) {
        struct stat st {};
        if (!parts || (::lstat(join_path(folder, candidate).c_str(), &st) != 0 && errno == ENOENT))
            return candidate;
        candidate = segment_name(parts->stamp, parts->pid, parts->sequence + next);
    }
}

Result<void> write_file(const std::string& folder, const std::string& path,
                        const std::string& text) {
    auto file = TempFile::create(folder, segment_temp_prefix);
    if (!file)
        return make_error(ErrorKind::io, fmt::format("spool {}: {}", path, file.error().message));
    if (auto written = file->write(text); !written)
        return make_error(ErrorKind::io,
                          fmt::format("spool {}: {}", path, written.error().message));
    if (auto done = file->commit(path); !done)
        return make_error(ErrorKind::io, fmt::format("spool {}: {}", path, done.error().message));
    return {};
}

} // namespace

Result<std::string> set_aside(const std::string& dir, const std::string& segment_name,
                              const std::vector<RejectedEvent>& events) {
    std::string folder = join_path(dir, rejected_dir_name);
    if (auto ready = prepare_dir(folder); !ready)
        return ready.error();
    std::string name = free_name(folder, segment_name);
    std::string envelopes;
    std::string reasons;
    for (std::size_t i = 0; i < events.size(); ++i) {
        envelopes += events[i].text;
        envelopes += '\n';
        reasons += fmt::format("line {}: {} line {}: {}\n", i + 1, segment_name, events[i].line,
                               events[i].reason);
    }
    std::string path = join_path(folder, name);
    if (auto written = write_file(folder, path, envelopes); !written)
        return written.error();
    if (auto written = write_file(folder, path + ".reasons", reasons); !written) {
        ::unlink(path.c_str());
        return written.error();
    }
    return path;
}

} // namespace bb::spool_detail
