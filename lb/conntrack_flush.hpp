// Deletes the connection tracking entries of flows that a VIP sent to one
// real server, so that the real server's UDP clients are hashed again at
// once when it fails instead of being black-holed until their entries time
// out (libnetfilter_conntrack).
#pragma once

#include <cstdint>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace gtm::lb {

// Returns how many entries were deleted. l4proto: IPPROTO_UDP or IPPROTO_TCP.
[[nodiscard]] Result<size_t> deleteFlows(const IpAddress& vip, const IpAddress& real, uint8_t l4proto);

}  // namespace gtm::lb
