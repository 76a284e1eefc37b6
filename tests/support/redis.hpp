// A minimal synchronous Redis client for tests: checks what the tools wrote
// and writes fixtures in the Python system's layout.
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

namespace bbtest {

struct Reply {
    int type = REDIS_REPLY_NIL;
    long long integer = 0;
    std::string str;                   // string, status or error text
    std::vector<std::string> elements; // array of strings (nested arrays flattened)
};

class Redis {
public:
    Redis(const std::string& host, int port); // throws when it cannot connect
    Reply command(const std::vector<std::string>& argv);

private:
    std::unique_ptr<redisContext, decltype(&redisFree)> ctx_;
};

} // namespace bbtest
