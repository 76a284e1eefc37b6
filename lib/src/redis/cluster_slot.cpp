// The hash slot of a key and the key of a command (Redis Cluster
// specification, "Keys distribution model").
#include "bloodbank/redis_cluster.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace bb {
namespace {

constexpr std::array<std::uint16_t, 256> crc16_table = [] {
    std::array<std::uint16_t, 256> table{};
    for (unsigned byte = 0; byte < 256; ++byte) {
        auto crc = static_cast<std::uint16_t>(byte << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
        table[byte] = crc;
    }
    return table;
}();

bool same_word(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) == y;
           });
}

// Commands whose first argument is not a key.
constexpr std::string_view keyless[] = {
    "PING",    "ROLE",    "WAIT",     "MULTI",  "EXEC",     "DISCARD",  "UNWATCH",
    "SCAN",    "INFO",    "DBSIZE",   "ECHO",   "TIME",     "CLUSTER",  "ASKING",
    "AUTH",    "SELECT",  "HELLO",    "CLIENT", "CONFIG",   "KEYS",     "RANDOMKEY",
    "COMMAND", "FLUSHDB", "FLUSHALL", "ACL",    "READONLY", "READWRITE"};

} // namespace

std::uint16_t crc16_xmodem(std::string_view data) {
    std::uint16_t crc = 0;
    for (char c : data)
        crc = static_cast<std::uint16_t>(
            (crc << 8) ^ crc16_table[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xff]);
    return crc;
}

int cluster_key_slot(std::string_view key) {
    std::size_t open = key.find('{');
    if (open != std::string_view::npos) {
        std::size_t close = key.find('}', open + 1);
        if (close != std::string_view::npos && close > open + 1)
            key = key.substr(open + 1, close - open - 1);
    }
    return crc16_xmodem(key) % cluster_slot_count;
}

std::optional<std::string_view> command_key(const std::string_view* argv, std::size_t count) {
    if (count < 2)
        return std::nullopt;
    for (std::string_view name : keyless)
        if (same_word(argv[0], name))
            return std::nullopt;
    return argv[1];
}

} // namespace bb
