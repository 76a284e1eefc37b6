#include "redis/hiredis_library.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <stdexcept>

namespace bb::detail {
namespace {

template <class Function>
bool resolve(void* handle, const char* name, Function& out, std::string& missing) {
    out = reinterpret_cast<Function>(dlsym(handle, name));
    if (!out)
        missing = name;
    return out != nullptr;
}

Result<Hiredis> load() {
    // Kept loaded for the life of the process: replies may outlive anything.
    void* handle = dlopen(BB_HIREDIS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return make_error(ErrorKind::internal,
                          fmt::format("cannot load {}: {}", BB_HIREDIS_SONAME, dlerror()));
    Hiredis h{};
    std::string missing;
    if (resolve(handle, "redisReaderCreate", h.reader_create, missing) &&
        resolve(handle, "redisReaderFree", h.reader_free, missing) &&
        resolve(handle, "redisReaderFeed", h.reader_feed, missing) &&
        resolve(handle, "redisReaderGetReply", h.reader_get_reply, missing) &&
        resolve(handle, "freeReplyObject", h.free_reply, missing) &&
        resolve(handle, "redisFormatCommandArgv", h.format_command_argv, missing) &&
        resolve(handle, "redisFreeCommand", h.free_command, missing))
        return h;
    return make_error(ErrorKind::internal,
                      fmt::format("cannot load {}: it has no {}", BB_HIREDIS_SONAME, missing));
}

// Loaded once, on the first call: later calls cost a check of the guard.
const Result<Hiredis>& library() {
    static const Result<Hiredis> loaded = load();
    return loaded;
}

} // namespace

Result<const Hiredis*> load_hiredis() {
    const Result<Hiredis>& loaded = library();
    if (!loaded)
        return loaded.error();
    return &*loaded;
}

const Hiredis& hiredis() {
    const Result<Hiredis>& loaded = library();
    if (!loaded)
        throw std::runtime_error(loaded.error().message);
    return *loaded;
}

} // namespace bb::detail
