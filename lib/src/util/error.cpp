#include "bloodbank/error.hpp"

namespace bb {
namespace {

constexpr ErrorKindInfo kinds[] = {
    {ErrorKind::usage, 64, "usage", "usage"},
    {ErrorKind::data, 65, "data", "bad input data"},
    {ErrorKind::not_found, 66, "not_found", "not found"},
    {ErrorKind::unavailable, 69, "unavailable", "broker or Redis unavailable"},
    {ErrorKind::internal, 70, "internal", "internal error"},
    {ErrorKind::io, 74, "io", "I/O error"},
    {ErrorKind::temporary, 75, "temporary", "temporary failure"},
    {ErrorKind::untracked, 79, "untracked", "published, links not recorded"},
    {ErrorKind::truncated, 80, "truncated", "answer cut by --depth or --max-nodes"},
};

} // namespace

std::span<const ErrorKindInfo> error_kinds() {
    return kinds;
}

const ErrorKindInfo& error_kind_info(ErrorKind kind) {
    auto index = static_cast<std::size_t>(kind);
    // An out-of-range kind is a bug; it is reported as one (70).
    return index < std::size(kinds) ? kinds[index] : kinds[std::size_t(ErrorKind::internal)];
}

} // namespace bb
