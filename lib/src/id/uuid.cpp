#include "bloodbank/uuid.hpp"

#include "bloodbank/hex.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <stdexcept>
#include <sys/random.h>
#include <system_error>

namespace bb {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Positions (0-based) of the four hyphens in the 36-character canonical form.
constexpr bool is_hyphen_position(std::size_t i) {
    return i == 8 || i == 13 || i == 18 || i == 23;
}

// A character for an error message: printable ASCII as is, anything else as
// its byte value, so a message never carries control bytes to a terminal.
std::string describe_char(char c) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f)
        return fmt::format("'{}'", c);
    return fmt::format("byte 0x{:02x}", byte);
}

void set_version_and_variant(Uuid& id, int version) {
    id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | (version << 4));
    id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80); // RFC 9562 variant 10xx
}

void fill_from_os(std::uint8_t* out, std::size_t size) {
    while (size > 0) {
        ssize_t got = getrandom(out, size, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            // No CSPRNG means no safe random ids: an impossible state here.
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        out += got;
        size -= static_cast<std::size_t>(got);
    }
}

// Counts fork()s into child processes; a pool filled before the last fork
// is stale, or parent and child would hand out the same bytes.
std::atomic<unsigned> fork_generation{0};

void note_fork_in_child() {
    fork_generation.fetch_add(1, std::memory_order_relaxed);
}

// getrandom(2) costs a system call; one call fills many ids. One pool per
// thread, so no lock; discarded after fork().
class RandomPool {
public:
    void fill(std::uint8_t* out, std::size_t size) {
        static const bool fork_handler = pthread_atfork(nullptr, nullptr, note_fork_in_child) == 0;
        (void)fork_handler;
        unsigned generation = fork_generation.load(std::memory_order_relaxed);
        if (generation != generation_) {
            generation_ = generation;
            used_ = sizeof(buffer_);
        }
        while (size > 0) {
            if (used_ == sizeof(buffer_)) {
                fill_from_os(buffer_, sizeof(buffer_));
                used_ = 0;
            }
            std::size_t n = std::min(size, sizeof(buffer_) - used_);
            std::memcpy(out, buffer_ + used_, n);
            std::memset(buffer_ + used_, 0, n); // handed-out bytes do not linger
            used_ += n;
            out += n;
            size -= n;
        }
    }

private:
    unsigned generation_ = 0;
    std::uint8_t buffer_[4096];
    std::size_t used_ = sizeof(buffer_);
};

RandomPool& random_pool() {
    thread_local RandomPool pool;
    return pool;
}

// The 74 bits after the timestamp (12 of rand_a, 62 of rand_b) as one counter.
struct V7Tail {
    std::uint16_t rand_a = 0; // 12 bits
    std::uint64_t rand_b = 0; // 62 bits
};

constexpr std::uint64_t rand_b_mask = (std::uint64_t{1} << 62) - 1;

struct V7State {
    std::mutex mutex;
    std::uint64_t last_ms = 0;
    V7Tail last_tail;
    bool started = false;
};

V7State& v7_state() {
    static V7State state;
    return state;
}

Uuid assemble_v7(std::uint64_t ms, const V7Tail& tail) {
    Uuid id;
    for (int i = 0; i < 6; ++i)
        id.bytes[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
    id.bytes[6] = static_cast<std::uint8_t>(0x70 | ((tail.rand_a >> 8) & 0x0f));
    id.bytes[7] = static_cast<std::uint8_t>(tail.rand_a);
    for (int i = 0; i < 8; ++i)
        id.bytes[8 + i] = static_cast<std::uint8_t>(tail.rand_b >> (8 * (7 - i)));
    id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);
    return id;
}

// SHA-1 through EVP with the algorithm fetched once and a per-thread context:
// several times faster than SHA1(), which looks the algorithm up by name on
// every call in OpenSSL 3, and free of the deprecated SHA1_Init family.
const EVP_MD* sha1_algorithm() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> algorithm(
        EVP_MD_fetch(nullptr, "SHA1", nullptr), &EVP_MD_free);
    if (!algorithm)
        throw std::runtime_error("SHA-1 is not available in libcrypto");
    return algorithm.get();
}

EVP_MD_CTX* sha1_context() {
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context)
        throw std::bad_alloc();
    return context.get();
}

} // namespace

const Uuid namespace_oid{{0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                          0x4f, 0xd4, 0x30, 0xc8}};

void Uuid::format_to(char* out) const {
    std::size_t pos = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[pos++] = '-';
        out[pos++] = hex_digits[bytes[i] >> 4];
        out[pos++] = hex_digits[bytes[i] & 0x0f];
    }
}

std::string Uuid::str() const {
    std::string text(36, '\0');
    format_to(text.data());
    return text;
}

Result<Uuid> parse_uuid(std::string_view text) {
    if (!text.empty() && text.front() == '{')
        return make_error(ErrorKind::data,
                          "braces are not accepted, write the bare 8-4-4-4-12 form");
    if (text.size() >= 4 && (text.substr(0, 4) == "urn:" || text.substr(0, 4) == "URN:"))
        return make_error(ErrorKind::data,
                          "a urn: prefix is not accepted, write the bare 8-4-4-4-12 form");
    if (text.size() != 36)
        return make_error(ErrorKind::data,
                          fmt::format("expected 36 characters (8-4-4-4-12), got {}", text.size()));
    Uuid id;
    std::size_t nibble = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (is_hyphen_position(i)) {
            if (c != '-')
                return make_error(
                    ErrorKind::data,
                    fmt::format("expected '-' at position {}, got {}", i + 1, describe_char(c)));
            continue;
        }
        int value = hex_digit_value(c);
        if (value < 0)
            return make_error(ErrorKind::data, fmt::format("bad hex digit {} at position {}",
                                                           describe_char(c), i + 1));
        auto& byte = id.bytes[nibble / 2];
        byte = static_cast<std::uint8_t>(nibble % 2 == 0 ? value << 4 : byte | value);
        ++nibble;
    }
    return id;
}

Uuid uuid_v4() {
    Uuid id;
    random_pool().fill(id.bytes.data(), id.bytes.size());
    set_version_and_variant(id, 4);
    return id;
}

Uuid uuid_v5(const Uuid& ns, std::string_view name) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_MD_CTX* context = sha1_context();
    if (!EVP_DigestInit_ex2(context, sha1_algorithm(), nullptr) ||
        !EVP_DigestUpdate(context, ns.bytes.data(), ns.bytes.size()) ||
        !EVP_DigestUpdate(context, name.data(), name.size()) ||
        !EVP_DigestFinal_ex(context, digest, &length) || length < 16)
        throw std::runtime_error("SHA-1 digest failed in libcrypto");
    Uuid id;
    std::memcpy(id.bytes.data(), digest, id.bytes.size());
    set_version_and_variant(id, 5);
    return id;
}

// RFC 9562 §6.2 method 3: rand_a holds the sub-millisecond fraction (12 bits,
// ~244 ns steps), rand_b is random. When the clock has not moved past the
// previous id (same step, or the clock went back), the previous id's 74-bit
// tail is advanced by a random positive amount instead (method 2's
// "monotonic random"), carrying into the timestamp if it overflows. So every
// id a process mints sorts strictly after the one before.
Uuid uuid_v7() {
    using namespace std::chrono;
    auto now_ns = static_cast<std::uint64_t>(
        duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count());
    std::uint64_t ms = now_ns / 1'000'000;
    V7Tail tail;
    tail.rand_a = static_cast<std::uint16_t>((now_ns % 1'000'000) * 4096 / 1'000'000);
    std::uint64_t random[2];
    random_pool().fill(reinterpret_cast<std::uint8_t*>(random), sizeof(random));
    tail.rand_b = random[0] & rand_b_mask;

    V7State& state = v7_state();
    std::lock_guard lock(state.mutex);
    bool after_last = !state.started || ms > state.last_ms ||
                      (ms == state.last_ms && tail.rand_a > state.last_tail.rand_a);
    if (!after_last) {
        ms = state.last_ms;
        tail = state.last_tail;
        // 1 .. 2^32 keeps successive ids unguessable yet leaves room for
        // billions of ids per millisecond before the carry reaches the clock.
        std::uint64_t step = (random[1] & 0xffffffff) + 1;
        tail.rand_b += step;
        if (tail.rand_b > rand_b_mask) {
            tail.rand_b &= rand_b_mask;
            if (++tail.rand_a > 0x0fff) {
                tail.rand_a = 0;
                ++ms;
            }
        }
    }
    state.started = true;
    state.last_ms = ms;
    state.last_tail = tail;
    return assemble_v7(ms, tail);
}

} // namespace bb
