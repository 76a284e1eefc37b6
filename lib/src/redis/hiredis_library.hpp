// Private to lib/src/redis: libhiredis, loaded when it is first needed.
// bloodbank uses only its reply reader and command formatter (the sockets
// are its own), and a run that never talks to Redis, as most one-event
// bb-publish runs, should not pay for loading a library on every event.
// Its exact soname is the one built against (BB_HIREDIS_SONAME), so the
// reply structs of hiredis.h match.
#pragma once

#include "bloodbank/error.hpp"

#include <hiredis/hiredis.h>

namespace bb::detail {

struct Hiredis {
    decltype(&redisReaderCreate) reader_create;
    decltype(&redisReaderFree) reader_free;
    decltype(&redisReaderFeed) reader_feed;
    decltype(&redisReaderGetReply) reader_get_reply;
    decltype(&freeReplyObject) free_reply;
    decltype(&redisFormatCommandArgv) format_command_argv;
    decltype(&redisFreeCommand) free_command;
};

// Loads the library the first time (thread-safe), then returns the same
// functions. ErrorKind::internal, "cannot load libhiredis.so.0.14: why",
// when the installation lacks it.
Result<const Hiredis*> load_hiredis();

// The functions, for code that runs once a connection exists (which loaded
// them); throws std::runtime_error with load_hiredis()'s message otherwise.
const Hiredis& hiredis();

} // namespace bb::detail
