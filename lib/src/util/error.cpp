#include "bloodbank/error.hpp"

namespace bb {

int exit_code(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::usage:
        return 64;
    case ErrorKind::data:
        return 65;
    case ErrorKind::not_found:
        return 66;
    case ErrorKind::unavailable:
        return 69;
    case ErrorKind::internal:
        return 70;
    case ErrorKind::io:
        return 74;
    case ErrorKind::temporary:
        return 75;
    }
    return 70;
}

std::string_view kind_name(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::usage:
        return "usage";
    case ErrorKind::data:
        return "data";
    case ErrorKind::not_found:
        return "not_found";
    case ErrorKind::unavailable:
        return "unavailable";
    case ErrorKind::internal:
        return "internal";
    case ErrorKind::io:
        return "io";
    case ErrorKind::temporary:
        return "temporary";
    }
    return "internal";
}

} // namespace bb
