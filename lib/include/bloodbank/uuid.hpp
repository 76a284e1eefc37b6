// RFC 9562 UUIDs: parsing, canonical formatting and the versions we mint
// (v4 random, v5 name-based SHA-1, v7 time-ordered).
#pragma once

#include "bloodbank/error.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace bb {

struct Uuid {
    std::array<std::uint8_t, 16> bytes{};

    // Lowercase canonical 8-4-4-4-12 form, the only form we ever write.
    std::string str() const;
    // Writes the 36 characters of str() into out (no terminator); for hot loops.
    void format_to(char* out) const;
    int version() const { return bytes[6] >> 4; }

    auto operator<=>(const Uuid&) const = default;
};

// Accepts the canonical 8-4-4-4-12 hex form in lower, upper or mixed case;
// rejects everything else (braces, urn:uuid:, missing hyphens, whitespace)
// with ErrorKind::data and a reason that does not repeat the input, for the
// caller to prefix: "expected 36 characters (8-4-4-4-12), got 35", "bad hex
// digit 'g' at position 3", "expected '-' at position 9, got 'a'" (positions
// count characters from 1).
Result<Uuid> parse_uuid(std::string_view text);

// Random v4 from the operating system's CSPRNG (getrandom(2), buffered;
// the buffer is discarded in a forked child).
Uuid uuid_v4();
// Name-based v5: SHA-1 over namespace bytes followed by name.
Uuid uuid_v5(const Uuid& ns, std::string_view name);
// Time-ordered v7: 48-bit Unix milliseconds, then random bits; ids minted by
// one process are strictly increasing (RFC 9562 §6.2 method 3 counter).
Uuid uuid_v7();

// The RFC 4122 OID namespace, 6ba7b812-9dad-11d1-80b4-00c04fd430c8.
extern const Uuid namespace_oid;

} // namespace bb
