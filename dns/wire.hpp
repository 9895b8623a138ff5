// DNS wire-format constants and big-endian helpers for the packet path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gtm::dns {

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxNameLength = 255;
inline constexpr uint16_t kMaxUdpWithoutEdns = 512;

// DNS compares names by ASCII letter case only (RFC 4343), never by the
// locale's (std::tolower is a call per byte, and locale-dependent).
[[nodiscard]] constexpr uint8_t asciiLower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }
[[nodiscard]] constexpr char asciiLower(char c) { return static_cast<char>(asciiLower(static_cast<uint8_t>(c))); }

namespace type {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28, SRV = 33, RRSIG = 46,
                          NSEC = 47, DNSKEY = 48,
                          OPT = 41, TSIG = 250, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254, ANY = 255,
                          CAA = 257;
}
inline constexpr uint16_t kClassIn = 1;
inline constexpr uint16_t kClassChaos = 3;
inline constexpr uint16_t kClassAny = 255;

namespace rcode {
inline constexpr uint8_t NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5, NOTAUTH = 9;
inline constexpr uint16_t BADVERS = 16, BADKEY = 17;
}  // namespace rcode

namespace edns_option {
inline constexpr uint16_t NSID = 3, ECS = 8, COOKIE = 10;
}

// Header flag bits in the second 16-bit word.
namespace flag {
inline constexpr uint16_t QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, RA = 0x0080, CD = 0x0010;
}

inline uint16_t readU16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t readU32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline void writeU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void writeU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace gtm::dns
