// A parsed DNS query: what the packet path needs, held in fixed-size fields
// so that parsing never allocates.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "dns/wire.hpp"

namespace gtm::dns {

struct ClientSubnet {
  bool present = false;
  uint16_t family = 0;  // 1 = IPv4, 2 = IPv6 (IANA address family numbers)
  uint8_t source_prefix = 0;
  std::array<uint8_t, 16> address{};
};

struct Edns {
  bool present = false;
  uint8_t version = 0;
  bool dnssec_ok = false;
  uint16_t udp_payload = 0;
  // Cookie (RFC 7873): 8-byte client cookie, optional 8-32 byte server cookie.
  uint8_t cookie_length = 0;  // 0: no cookie option
  std::array<uint8_t, 40> cookie{};
  ClientSubnet ecs;
  bool nsid = false;  // the client asks for the server's identity (RFC 5001)
};

// A TSIG record (RFC 8945), as much as an error answer copies of it; the
// spans point into the query packet.
struct Tsig {
  bool present = false;
  std::span<const uint8_t> key_name;        // wire name, uncompressed
  std::span<const uint8_t> algorithm;       // wire name, uncompressed
  std::span<const uint8_t> time_and_fudge;  // 6 + 2 bytes
};

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint8_t opcode = 0;
  // The question as received (original letter case), for echoing.
  std::span<const uint8_t> question;
  // The name lower-cased, in wire format; length includes the root label.
  std::array<uint8_t, kMaxNameLength> name{};
  uint8_t name_length = 0;
  uint8_t label_count = 0;
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  Edns edns;
  Tsig tsig;

  [[nodiscard]] std::string_view nameView() const {
    return {reinterpret_cast<const char*>(name.data()), name_length};
  }
};

enum class ParseStatus {
  ok,
  drop,      // not a query we answer at all (QR set, shorter than a header)
  formerr,   // malformed: answer FORMERR
  notimp,    // opcode other than QUERY
  badvers,   // EDNS version above 0
  cookie_only,  // no question, only a COOKIE option (RFC 7873 5.4): NOERROR
  tsig_badkey,  // signed with TSIG: gtm knows no key, so NOTAUTH + BADKEY (RFC 8945 5.2)
};

// Parses header, question and the OPT record. On formerr/notimp/badvers the
// fields parsed so far (id, flags, question when valid, edns) are filled in.
[[nodiscard]] ParseStatus parseQuery(std::span<const uint8_t> packet, Query& q);

// The ECS scope an answer carries (RFC 7871 7.2.1): what the routing
// decided, never more than the client's source prefix. The query path and
// gtm route / /api/v1/route both use it, so they say the same.
[[nodiscard]] inline uint8_t ecsScope(uint8_t decided, uint8_t source_prefix) {
  return decided < source_prefix ? decided : source_prefix;
}

}  // namespace gtm::dns
