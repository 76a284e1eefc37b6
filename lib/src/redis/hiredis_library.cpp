#include "redis/hiredis_library.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <stdexcept>

namespace bb::detail {
namespace {

template <class Function>
bool resolve(void* library, const char* name, Function& out, std::string& missing) {
    out = reinterpret_cast<Function>(dlsym(library, name));
    if (!out)
        missing = name;
    return out != nullptr;
}

Result<Hiredis> load() {
    // Kept loaded for the life of the process: replies may outlive anything.
    void* library = dlopen(BB_HIREDIS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!library)
        return make_error(ErrorKind::internal,
                          fmt::format("cannot load {}: {}", BB_HIREDIS_SONAME, dlerror()));
    Hiredis h{};
    std::string missing;
    if (resolve(library, "redisReaderCreate", h.reader_create, missing) &&
        resolve(library, "redisReaderFree", h.reader_free, missing) &&
        resolve(library, "redisReaderFeed", h.reader_feed, missing) &&
        resolve(library, "redisReaderGetReply", h.reader_get_reply, missing) &&
        resolve(library, "freeReplyObject", h.free_reply, missing) &&
        resolve(library, "redisFormatCommandArgv", h.format_command_argv, missing) &&
        resolve(library, "redisFreeCommand", h.free_command, missing))
        return h;
    return make_error(ErrorKind::internal,
                      fmt::format("cannot load {}: it has no {}", BB_HIREDIS_SONAME, missing));
}

} // namespace

Result<const Hiredis*> load_hiredis() {
    static const Result<Hiredis> loaded = load();
    if (!loaded)
        return loaded.error();
    return &*loaded;
}

const Hiredis& hiredis() {
    auto loaded = load_hiredis();
    if (!loaded)
        throw std::runtime_error(loaded.error().message);
    return **loaded;
}

} // namespace bb::detail
