// The AF_XDP path's frame codec: what it accepts, and that a reply frame has
// swapped addresses and ports, right lengths and checksums a receiver accepts.
// Checksums are checked here by an independent sum over the whole header and
// pseudo-header, the way a receiving stack does.
#include "dns/server/xdp/udp_frame.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace gtm::dns::server::xdp {
namespace {

const std::vector<uint8_t> kClientMac = {2, 0, 0, 0, 0, 1};
const std::vector<uint8_t> kServerMac = {2, 0, 0, 0, 0, 2};
const std::vector<uint8_t> kDns = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
uint16_t onesComplementSum(const std::vector<uint8_t>& bytes) {
  uint32_t s = 0;
  for (size_t i = 0; i < bytes.size(); i += 2) s += static_cast<uint32_t>(bytes[i] << 8 | (i + 1 < bytes.size() ? bytes[i + 1] : 0));
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// A query frame as a client's stack would send it (UDP checksum left 0, as
// a veth peer with checksum offload leaves it incomplete).
std::vector<uint8_t> queryFrame(bool v6) {
  std::vector<uint8_t> f(kServerMac);
  f.insert(f.end(), kClientMac.begin(), kClientMac.end());
  f.push_back(v6 ? 0x86 : 0x08);
  f.push_back(v6 ? 0xdd : 0x00);
  size_t udp_len = 8 + kDns.size();
  if (v6) {
    std::vector<uint8_t> ip(40, 0);
    ip[0] = 0x60;
    put16(&ip[4], static_cast<uint16_t>(udp_len));
    ip[6] = 17;
    ip[7] = 64;
    ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 2;   // 2001:db8::2, the client
    ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 1;  // 2001:db8::1, us
    f.insert(f.end(), ip.begin(), ip.end());
  } else {
    std::vector<uint8_t> ip = {0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 2, 198, 18, 0, 1};
    put16(&ip[2], static_cast<uint16_t>(20 + udp_len));
    put16(&ip[10], static_cast<uint16_t>(~onesComplementSum(ip)));
    f.insert(f.end(), ip.begin(), ip.end());
  }
  std::vector<uint8_t> udp = {0xc3, 0x50, 0, 53, 0, 0, 0, 0};  // 50000 -> 53
  put16(&udp[4], static_cast<uint16_t>(udp_len));
  f.insert(f.end(), udp.begin(), udp.end());
  f.insert(f.end(), kDns.begin(), kDns.end());
  return f;
}

// The UDP checksum check of a receiving stack: header, data and pseudo-header sum to 0xffff.
bool udpChecksumValid(const std::vector<uint8_t>& f, bool v6) {
  const uint8_t* ip = &f[14];
  size_t ip_size = v6 ? 40 : 20;
  uint16_t udp_len = get16(ip + ip_size + 4);
  std::vector<uint8_t> pseudo;
  if (v6) pseudo.assign(ip + 8, ip + 40);
  else pseudo.assign(ip + 12, ip + 20);
  pseudo.push_back(0);
  pseudo.push_back(17);
  pseudo.push_back(static_cast<uint8_t>(udp_len >> 8));
  pseudo.push_back(static_cast<uint8_t>(udp_len));
  pseudo.insert(pseudo.end(), ip + ip_size, ip + ip_size + udp_len);
  if (pseudo.size() % 2) pseudo.push_back(0);
  return get16(ip + ip_size + 6) != 0 && onesComplementSum(pseudo) == 0xffff;
}

TEST(UdpFrame, ParsesAnIpv4Query) {
  auto f = queryFrame(false);
  auto q = parseUdpFrame(f);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->client.toString(), "198.18.0.2");
  EXPECT_EQ(q->header_size, kIpv4Headers);
  EXPECT_EQ(std::vector<uint8_t>(q->payload.begin(), q->payload.end()), kDns);
}

TEST(UdpFrame, ParsesAnIpv6Query) {
  auto f = queryFrame(true);
  auto q = parseUdpFrame(f);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->client.toString(), "2001:db8::2");
  EXPECT_EQ(q->header_size, kIpv6Headers);
  EXPECT_EQ(q->payload.size(), kDns.size());
}

TEST(UdpFrame, RefusesWhatItCannotAnswer) {
  auto ok = queryFrame(false);
  auto broken = [&](auto change) {
    auto f = ok;
    change(f);
    return !parseUdpFrame(f);
  };
  EXPECT_TRUE(broken([](auto& f) { f.resize(13); }));                       // no Ethernet header
  EXPECT_TRUE(broken([](auto& f) { f[12] = 0x81, f[13] = 0x00; }));         // a VLAN tag
  EXPECT_TRUE(broken([](auto& f) { f[14] = 0x46; }));                       // IPv4 options
  EXPECT_TRUE(broken([](auto& f) { f[14 + 9] = 6; }));                      // TCP
  EXPECT_TRUE(broken([](auto& f) { f[14 + 6] |= 0x20; }));                  // more fragments
  EXPECT_TRUE(broken([](auto& f) { f[14 + 11] ^= 1; }));                    // bad header checksum
  EXPECT_TRUE(broken([](auto& f) { f.resize(f.size() - 1); }));            // IP length past the frame
  EXPECT_TRUE(broken([](auto& f) { put16(&f[14 + 20 + 4], 7); }));          // UDP length below 8
  EXPECT_TRUE(broken([](auto& f) { put16(&f[14 + 20 + 4], 200); }));        // UDP length past IP's
  auto v6 = queryFrame(true);
  v6[14 + 6] = 0;  // hop-by-hop options header first
  EXPECT_FALSE(parseUdpFrame(v6));
  v6 = queryFrame(true);
  put16(&v6[14 + 4], 500);  // payload length past the frame
  EXPECT_FALSE(parseUdpFrame(v6));
  // A frame with Ethernet padding after the datagram is fine.
  auto padded = ok;
  padded.resize(padded.size() + 20, 0);
  auto q = parseUdpFrame(padded);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->payload.size(), kDns.size());
}

void expectReply(bool v6) {
  auto f = queryFrame(v6);
  auto q = parseUdpFrame(f);
  ASSERT_TRUE(q);
  std::vector<uint8_t> reply_dns = kDns;
  reply_dns[2] |= 0x84;  // QR AA
  reply_dns.push_back(0xab);  // an odd length, so the checksum's padding counts
  f.resize(q->header_size + reply_dns.size() + 64, 0xee);
  std::memcpy(&f[q->header_size], reply_dns.data(), reply_dns.size());
  size_t size = makeReplyFrame(f, q->header_size, reply_dns.size());
  ASSERT_EQ(size, q->header_size + reply_dns.size());
  f.resize(size);
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.begin() + 6), kClientMac);
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 6, f.begin() + 12), kServerMac);
  const uint8_t* ip = &f[14];
  const uint8_t* udp = ip + (v6 ? 40 : 20);
  EXPECT_EQ(get16(udp), 53);
  EXPECT_EQ(get16(udp + 2), 50000);
  EXPECT_EQ(get16(udp + 4), 8 + reply_dns.size());
  if (v6) {
    EXPECT_EQ(ip[23], 1);  // from 2001:db8::1
    EXPECT_EQ(ip[39], 2);  // to 2001:db8::2
    EXPECT_EQ(get16(ip + 4), 8 + reply_dns.size());
  } else {
    EXPECT_EQ(ip[15], 1);  // from 198.18.0.1
    EXPECT_EQ(ip[19], 2);  // to 198.18.0.2
    EXPECT_EQ(get16(ip + 2), 20 + 8 + reply_dns.size());
    EXPECT_EQ(onesComplementSum(std::vector<uint8_t>(ip, ip + 20)), 0xffff) << "IPv4 header checksum";
  }
  EXPECT_TRUE(udpChecksumValid(f, v6));
  // And the reply parses back as a datagram from us.
  auto back = parseUdpFrame(f);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->client.toString(), v6 ? "2001:db8::1" : "198.18.0.1");
  EXPECT_EQ(std::vector<uint8_t>(back->payload.begin(), back->payload.end()), reply_dns);
}

TEST(UdpFrame, Ipv4ReplySwapsAddressesAndHasValidChecksums) { expectReply(false); }
TEST(UdpFrame, Ipv6ReplySwapsAddressesAndHasValidChecksums) { expectReply(true); }

}  // namespace
}  // namespace gtm::dns::server::xdp
