// Ethernet frames of DNS over UDP, for the AF_XDP path where gtm reads and
// writes whole frames: checks a query frame's headers (lengths, the IPv4
// header checksum) and turns it, in place, into the reply's
// frame: MAC and IP addresses and ports swapped, lengths and checksums new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/ip_address.hpp"

namespace gtm::dns::server::xdp {

struct UdpFrame {
  IpAddress client;             // the query's source address
  size_t header_size = 0;       // Ethernet, IP and UDP headers: where the DNS message starts
  std::span<const uint8_t> payload;  // the DNS message
};

// Ethernet II + IPv4 (no options, not a fragment) or IPv6 (UDP as the next
// header) + UDP. nullopt for anything else or anything inconsistent.
[[nodiscard]] std::optional<UdpFrame> parseUdpFrame(std::span<const uint8_t> frame);

// `frame` holds a query frame that parseUdpFrame accepted with `header_size`,
// and the reply's DNS message of `payload_size` bytes at frame[header_size].
// Rewrites the headers into the reply's and returns the reply frame's size.
size_t makeReplyFrame(std::span<uint8_t> frame, size_t header_size, size_t payload_size);

// Size of the Ethernet, IP and UDP headers in front of a DNS message.
constexpr size_t kIpv4Headers = 14 + 20 + 8;
constexpr size_t kIpv6Headers = 14 + 40 + 8;

}  // namespace gtm::dns::server::xdp
