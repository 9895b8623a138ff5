#include "dns/server/xdp/udp_frame.hpp"

#include <cstring>

namespace gtm::dns::server::xdp {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint8_t kUdp = 17;
constexpr size_t kEthernet = 14;
constexpr uint8_t kReplyHopLimit = 64;

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// The Internet checksum (RFC 1071): a 32-bit running sum of 16-bit words...
uint32_t sum(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (; n > 1; p += 2, n -= 2) acc += get16(p);
  if (n) acc += static_cast<uint32_t>(p[0]) << 8;
  return acc;
}
// ...folded to 16 bits; 0xffff means "correct" when the sum covers the
// checksum field itself.
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(acc);
}

// Sum of the UDP pseudo-header (RFC 768, RFC 8200 8.1) for the IP header at ip.
uint32_t pseudoHeader(const uint8_t* ip, bool v6, uint16_t udp_length) {
  uint32_t acc = v6 ? sum(ip + 8, 32) : sum(ip + 12, 8);
  return acc + kUdp + udp_length;
}

}  // namespace

std::optional<UdpFrame> parseUdpFrame(std::span<const uint8_t> frame) {
  if (frame.size() < kEthernet) return std::nullopt;
  const uint8_t* p = frame.data();
  uint16_t type = get16(p + 12);
  UdpFrame out;
  const uint8_t* ip = p + kEthernet;
  size_t ip_room = frame.size() - kEthernet;
  const uint8_t* udp;
  size_t udp_room;  // bytes from the UDP header to the end of the IP packet
  bool v6 = type == kEtherIpv6;
  if (type == kEtherIpv4) {
    if (ip_room < 20 || ip[0] != 0x45 || ip[9] != kUdp) return std::nullopt;
    if (get16(ip + 6) & 0x3fff) return std::nullopt;  // a fragment
    size_t total = get16(ip + 2);
    if (total < 20 + 8 || total > ip_room) return std::nullopt;
    if (fold(sum(ip, 20)) != 0xffff) return std::nullopt;
    out.client.family = IpAddress::Family::v4;
    std::memcpy(out.client.bytes.data(), ip + 12, 4);
    udp = ip + 20;
    udp_room = total - 20;
    out.header_size = kIpv4Headers;
  } else if (v6) {
    if (ip_room < 40 || (ip[0] >> 4) != 6 || ip[6] != kUdp) return std::nullopt;
    size_t payload = get16(ip + 4);
    if (payload < 8 || payload > ip_room - 40) return std::nullopt;
    out.client.family = IpAddress::Family::v6;
    std::memcpy(out.client.bytes.data(), ip + 8, 16);
    udp = ip + 40;
    udp_room = payload;
    out.header_size = kIpv6Headers;
  } else {
    return std::nullopt;
  }
  uint16_t udp_length = get16(udp + 4);
  if (udp_length < 8 || udp_length > udp_room) return std::nullopt;
  // The UDP checksum is not checked: a frame from a local sender through a
  // veth carries only the pseudo-header's part of it (checksum offload), and
  // a NIC has checked it already where it can; Ethernet's FCS covers the rest.
  out.payload = {udp + 8, size_t{udp_length} - 8};
  return out;
}

size_t makeReplyFrame(std::span<uint8_t> frame, size_t header_size, size_t payload_size) {
  uint8_t* p = frame.data();
  uint8_t mac[6];
  std::memcpy(mac, p, 6);
  std::memcpy(p, p + 6, 6);
  std::memcpy(p + 6, mac, 6);
  uint8_t* ip = p + kEthernet;
  bool v6 = header_size == kIpv6Headers;
  uint8_t* udp = ip + (v6 ? 40 : 20);
  auto udp_length = static_cast<uint16_t>(8 + payload_size);
  if (v6) {
    uint8_t a[16];
    std::memcpy(a, ip + 8, 16);
    std::memcpy(ip + 8, ip + 24, 16);
    std::memcpy(ip + 24, a, 16);
    ip[0] = 0x60;  // version 6, traffic class and flow label 0
    ip[1] = ip[2] = ip[3] = 0;
    put16(ip + 4, udp_length);
    ip[7] = kReplyHopLimit;
  } else {
    uint8_t a[4];
    std::memcpy(a, ip + 12, 4);
    std::memcpy(ip + 12, ip + 16, 4);
    std::memcpy(ip + 16, a, 4);
    ip[1] = 0;                                        // DSCP and ECN
    put16(ip + 2, static_cast<uint16_t>(20 + udp_length));
    put16(ip + 4, 0);                                 // identification: DF is set
    put16(ip + 6, 0x4000);                            // DF, no offset
    ip[8] = kReplyHopLimit;
    put16(ip + 10, 0);
    put16(ip + 10, static_cast<uint16_t>(~fold(sum(ip, 20))));
  }
  uint8_t port[2];
  std::memcpy(port, udp, 2);
  std::memcpy(udp, udp + 2, 2);
  std::memcpy(udp + 2, port, 2);
  put16(udp + 4, udp_length);
  put16(udp + 6, 0);
  uint16_t check = static_cast<uint16_t>(~fold(sum(udp, udp_length, pseudoHeader(ip, v6, udp_length))));
  put16(udp + 6, check ? check : 0xffff);  // 0 would mean "no checksum"
  return header_size + payload_size;
}

}  // namespace gtm::dns::server::xdp
