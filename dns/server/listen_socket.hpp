// Opens the listening sockets of the DNS server: one per thread on the same
// address through SO_REUSEPORT, IPv6 sockets IPv6-only, UDP sockets with
// large buffers and, on wildcard addresses, destination-address reporting.
#pragma once

#include <cstdint>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace gtm::dns::server {

enum class Transport { udp, tcp };

// A bound (and for TCP listening) socket descriptor, owned by the caller.
// max_udp_payload decides whether UDP answers can go with DF set.
[[nodiscard]] Result<int> openListenSocket(const SocketAddress& at, Transport transport,
                                           uint16_t max_udp_payload = 0);

}  // namespace gtm::dns::server
