// DNSSEC's orderings and keys, shared by the zone signer (at snapshot
// build) and the answer path (per query, without allocating):
//   - the canonical order of names (RFC 4034 6.1), for the NSEC chain;
//   - the key under which the signatures of a profile's answer RRset are
//     kept: the profile, the type and the set of addresses (order and
//     repeats do not change an RRset, RFC 4034 6.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/ip_address.hpp"

namespace gtm::dns {

// a < b in canonical order; both lower-case wire names.
[[nodiscard]] bool canonicalLess(std::string_view a, std::string_view b);

// Writes the key into out (at most `capacity` bytes) and returns its
// length, or 0 when it does not fit. Sorts and dedupes `addresses` in place.
inline constexpr size_t kAnswerSetKeyCapacity = 6 + 16 * 64;  // 64 IPv6 addresses: kMaxSignedAnswerAddresses
[[nodiscard]] size_t answerSetKey(int profile, uint16_t type, std::span<IpAddress> addresses, char* out,
                                  size_t capacity);

}  // namespace gtm::dns
