// Errors travel as values: every fallible library call returns Result<T>.
// Each ErrorKind maps to exactly one process exit code (sysexits), so the
// apps have a single place that turns an error into a message and a status.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace bb {

enum class ErrorKind {
    usage,       // 64 EX_USAGE: bad flags or arguments
    data,        // 65 EX_DATAERR: invalid input (envelope, JSON, id)
    not_found,   // 66 EX_NOINPUT: the thing asked about does not exist (e.g. unknown event id)
    unavailable, // 69 EX_UNAVAILABLE: broker or Redis unreachable or refusing
    internal,    // 70 EX_SOFTWARE: a bug or an impossible state
    io,          // 74 EX_IOERR: reading or writing a file or stream failed
    temporary,   // 75 EX_TEMPFAIL: not done now, safe to retry (e.g. events kept in the spool)
    untracked,   // 79 (beyond sysexits): every event published, some links not recorded;
                 // publishing again would duplicate them, so it must differ from 69
    truncated,   // 80 (beyond sysexits): the answer shown was cut by a limit (--depth,
                 // --max-nodes): a script must not take a partial listing for the whole
};

// The one table of error kinds: each kind's exit status, its name for logs
// and JSON reports, and what the status means in a --help footer. In
// ErrorKind order, which is also increasing exit status.
struct ErrorKindInfo {
    ErrorKind kind;
    int exit_code;
    std::string_view name;    // "usage", "data", ...
    std::string_view meaning; // "usage", "bad input data", ...
};
std::span<const ErrorKindInfo> error_kinds();
const ErrorKindInfo& error_kind_info(ErrorKind kind);

// The process exit status for an error kind.
inline int exit_code(ErrorKind kind) {
    return error_kind_info(kind).exit_code;
}
// A short lowercase name ("usage", "data", ...) for logs and JSON reports.
inline std::string_view kind_name(ErrorKind kind) {
    return error_kind_info(kind).name;
}

// The status of a process stopped by a signal, as the shell reports one that
// a signal killed: 128 + its number (130 for SIGINT, 143 for SIGTERM).
inline int signal_exit_status(int signal) {
    return 128 + signal;
}

struct Error {
    ErrorKind kind = ErrorKind::internal;
    std::string message;
};

inline Error make_error(ErrorKind kind, std::string message) {
    return Error{kind, std::move(message)};
}

// A value or an Error. Deliberately small: has_value/value/error, explicit
// construction from either side, and `operator bool` for early returns.
template <class T> class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool ok_ = true;
};

} // namespace bb
