#include "python_oracle.hpp"

#include "bloodbank/uuid.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

// 6ba7b812-9dad-11d1-80b4-00c04fd430c8 written out byte by byte (RFC 4122 appendix C).
const bb::Uuid oid_bytes{{0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                          0x4f, 0xd4, 0x30, 0xc8}};

bb::Uuid must_parse(std::string_view text) {
    auto id = bb::parse_uuid(text);
    REQUIRE_MESSAGE(id.has_value(), text);
    return *id;
}

std::string parse_failure(std::string_view text) {
    auto id = bb::parse_uuid(text);
    REQUIRE_MESSAGE(!id.has_value(), text);
    CHECK(id.error().kind == bb::ErrorKind::data);
    return id.error().message;
}

int variant_bits(const bb::Uuid& id) {
    return id.bytes[8] >> 6;
}

std::uint64_t unix_ms_now() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

std::uint64_t v7_ms(const bb::Uuid& id) {
    std::uint64_t ms = 0;
    for (int i = 0; i < 6; ++i)
        ms = ms << 8 | id.bytes[i];
    return ms;
}

// UTF-8 of a code point; the caller never passes a surrogate.
void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// Random UTF-8 text of exactly `size` bytes, all four encoded lengths mixed.
std::string random_text(std::mt19937_64& rng, std::size_t size) {
    static constexpr char32_t low[] = {0, 0x80, 0x800, 0x10000};
    static constexpr char32_t high[] = {0x7f, 0x7ff, 0xffff, 0x10ffff};
    std::string text;
    while (text.size() < size) {
        std::size_t bytes = std::min<std::size_t>(size - text.size(), 1 + rng() % 4);
        char32_t c;
        do
            c = low[bytes - 1] +
                static_cast<char32_t>(rng() % (high[bytes - 1] - low[bytes - 1] + 1));
        while (c >= 0xD800 && c <= 0xDFFF);
        append_utf8(text, c);
    }
    return text;
}

} // namespace

TEST_CASE("uuid: parses the canonical form in lower, upper and mixed case") {
    CHECK(must_parse("6ba7b812-9dad-11d1-80b4-00c04fd430c8") == oid_bytes);
    CHECK(must_parse("6BA7B812-9DAD-11D1-80B4-00C04FD430C8") == oid_bytes);
    CHECK(must_parse("6bA7b812-9DaD-11d1-80B4-00c04Fd430C8") == oid_bytes);
    CHECK(must_parse("00000000-0000-0000-0000-000000000000") == bb::Uuid{});
    bb::Uuid max;
    max.bytes.fill(0xff);
    CHECK(must_parse("ffffffff-ffff-ffff-ffff-ffffffffffff") == max);
}

TEST_CASE("uuid: namespace_oid is RFC 4122's OID namespace") {
    CHECK(bb::namespace_oid == oid_bytes);
    CHECK(bb::namespace_oid.str() == "6ba7b812-9dad-11d1-80b4-00c04fd430c8");
}

TEST_CASE("uuid: rejects other forms with a reason") {
    CHECK(parse_failure("") == "expected 36 characters (8-4-4-4-12), got 0");
    CHECK(parse_failure("6ba7b812-9dad-11d1-80b4-00c04fd430c") ==
          "expected 36 characters (8-4-4-4-12), got 35");
    CHECK(parse_failure("6ba7b8129dad11d180b400c04fd430c8") ==
          "expected 36 characters (8-4-4-4-12), got 32");
    CHECK(parse_failure(" 6ba7b812-9dad-11d1-80b4-00c04fd430c8") ==
          "expected 36 characters (8-4-4-4-12), got 37");
    CHECK(parse_failure("{6ba7b812-9dad-11d1-80b4-00c04fd430c8}") ==
          "braces are not accepted, write the bare 8-4-4-4-12 form");
    CHECK(parse_failure("urn:uuid:6ba7b812-9dad-11d1-80b4-00c04fd430c8") ==
          "a urn: prefix is not accepted, write the bare 8-4-4-4-12 form");
    CHECK(parse_failure("gba7b812-9dad-11d1-80b4-00c04fd430c8") ==
          "bad hex digit 'g' at position 1");
    CHECK(parse_failure("6ba7b812-9dad-11d1-80b4-00c04fd430c ") ==
          "bad hex digit ' ' at position 36");
    CHECK(parse_failure("6ba7b812-9dad-11d1-80b4-00c04fd430c\xc3\xa9") ==
          "expected 36 characters (8-4-4-4-12), got 37");
    CHECK(parse_failure("6ba7b812-9dad-11d1-80b4-00c04fd430\xc3\xa9") ==
          "bad hex digit byte 0xc3 at position 35");
    CHECK(parse_failure("6ba7b8129-dad-11d1-80b4-00c04fd430c8") ==
          "expected '-' at position 9, got '9'");
    CHECK(parse_failure("6ba7b812-9dad-11d1-80b4_00c04fd430c8") ==
          "expected '-' at position 24, got '_'");
    CHECK(parse_failure("6ba7b812-9dad-11d1-80b4-00c04fd430-c") ==
          "bad hex digit '-' at position 35");
}

TEST_CASE("uuid: formats lowercase 8-4-4-4-12 and round-trips") {
    CHECK(must_parse("6BA7B812-9DAD-11D1-80B4-00C04FD430C8").str() ==
          "6ba7b812-9dad-11d1-80b4-00c04fd430c8");
    bb::Uuid id;
    for (std::size_t i = 0; i < id.bytes.size(); ++i)
        id.bytes[i] = static_cast<std::uint8_t>(i * 17);
    CHECK(id.str() == "00112233-4455-6677-8899-aabbccddeeff");

    char buffer[40];
    std::fill(std::begin(buffer), std::end(buffer), '#');
    id.format_to(buffer);
    CHECK(std::string(buffer, 36) == "00112233-4455-6677-8899-aabbccddeeff");
    CHECK(buffer[36] == '#'); // no terminator written
}

TEST_CASE("uuid: v4 has version 4, the RFC variant and random bits") {
    std::set<bb::Uuid> seen;
    std::array<std::uint8_t, 16> ones{}, zeros{};
    zeros.fill(0xff);
    for (int i = 0; i < 20000; ++i) {
        bb::Uuid id = bb::uuid_v4();
        REQUIRE(id.version() == 4);
        REQUIRE(variant_bits(id) == 2);
        seen.insert(id);
        for (std::size_t b = 0; b < 16; ++b) {
            ones[b] |= id.bytes[b];
            zeros[b] &= id.bytes[b];
        }
    }
    CHECK(seen.size() == 20000);
    // Every one of the 122 random bits was seen both set and clear.
    for (std::size_t b = 0; b < 16; ++b) {
        std::uint8_t fixed = b == 6 ? 0xf0 : b == 8 ? 0xc0 : 0x00;
        CHECK_MESSAGE((ones[b] | fixed) == 0xff, "byte " << b);
        CHECK_MESSAGE((zeros[b] & ~fixed & 0xff) == 0, "byte " << b);
    }
}

TEST_CASE("uuid: v4 in a forked child differs from the parent's next id") {
    bb::uuid_v4(); // the parent now holds buffered random bytes
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        bb::Uuid child = bb::uuid_v4();
        ssize_t n = write(fds[1], child.bytes.data(), child.bytes.size());
        _exit(n == 16 ? 0 : 1);
    }
    close(fds[1]);
    bb::Uuid child;
    ssize_t got = read(fds[0], child.bytes.data(), child.bytes.size());
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(got == 16);
    CHECK(child.version() == 4);
    CHECK(child != bb::uuid_v4());
}

TEST_CASE("uuid: v5 matches Python's uuid.uuid5") {
    // Values printed by python3: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") etc.
    bb::Uuid dns = must_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    bb::Uuid url = must_parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8");
    CHECK(bb::uuid_v5(dns, "python.org").str() == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    CHECK(bb::uuid_v5(bb::namespace_oid, "").str() == "0a68eb57-c88a-5f34-9e9d-27f85e68af4f");
    CHECK(bb::uuid_v5(url, "https://example.com/\xc3\xa9\xf0\x9f\x98\x80").str() ==
          "8d3b906a-2e25-5eea-bcdf-cc1a8421503d");
    CHECK(bb::uuid_v5(bb::namespace_oid, "bloodbank:fireflies.transcript.upload:meeting_abc123")
              .str() == "92ac3d31-3cbb-5518-9cc9-eaa1d1198639");
}

TEST_CASE("uuid: v5 agrees with python3 on many names") {
    // Names of every length 0..300 bytes (SHA-1 pads at 55/56/64-byte
    // boundaries), passed to python3 as hex so that any text survives.
    std::mt19937_64 rng(20240517);
    std::vector<std::string> names;
    std::string input;
    for (std::size_t length = 0; length <= 300; ++length) {
        std::string name = random_text(rng, length);
        for (unsigned char c : name) {
            char hex[3];
            std::snprintf(hex, sizeof(hex), "%02x", c);
            input += hex;
        }
        input += '\n';
        names.push_back(name);
    }
    std::string out = bbtest::run_python(R"(
import sys, uuid
for line in open(sys.argv[1]):
    print(uuid.uuid5(uuid.NAMESPACE_DNS, bytes.fromhex(line.strip()).decode("utf-8")))
)",
                                         input);
    auto expected = bbtest::split_lines(out);
    REQUIRE(expected.size() == names.size());
    bb::Uuid dns = must_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    for (std::size_t i = 0; i < names.size(); ++i)
        CHECK_MESSAGE(bb::uuid_v5(dns, names[i]).str() == expected[i], "length " << i);
}

TEST_CASE("uuid: v7 has version 7, the RFC variant and the current Unix milliseconds") {
    std::uint64_t before = unix_ms_now();
    bb::Uuid id = bb::uuid_v7();
    std::uint64_t after = unix_ms_now();
    CHECK(id.version() == 7);
    CHECK(variant_bits(id) == 2);
    CHECK(v7_ms(id) >= before);
    CHECK(v7_ms(id) <= after + 1); // at most one carry into the next millisecond
}

TEST_CASE("uuid: v7 ids of one process strictly increase, also within a millisecond") {
    std::vector<bb::Uuid> ids;
    for (int i = 0; i < 200000; ++i)
        ids.push_back(bb::uuid_v7());
    std::size_t same_ms = 0;
    for (std::size_t i = 1; i < ids.size(); ++i) {
        REQUIRE(ids[i - 1] < ids[i]);
        REQUIRE(ids[i - 1].str() < ids[i].str()); // the text sorts the same way
        REQUIRE(ids[i].version() == 7);
        REQUIRE(variant_bits(ids[i]) == 2);
        same_ms += v7_ms(ids[i - 1]) == v7_ms(ids[i]);
    }
    CHECK(same_ms > 0); // the loop did mint several ids per millisecond
}
