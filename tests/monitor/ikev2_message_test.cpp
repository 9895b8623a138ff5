// The IKE_SA_INIT request's layout, and the classification of responses.
#include "monitor/ikev2_message.hpp"

#include <gtest/gtest.h>

#include "monitor/key_exchange.hpp"

namespace gtm::test {
namespace {

using namespace gtm::monitor::ikev2;

const Spi kSpi{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

uint16_t u16(const std::vector<uint8_t>& b, size_t at) { return static_cast<uint16_t>((b[at] << 8) | b[at + 1]); }

TEST(Ikev2Message, InitRequestLayout) {
  auto ke = monitor::makeKeyExchangeValue(19);
  ASSERT_TRUE(ke) << ke.error();
  ASSERT_EQ(ke->size(), 64u);  // ECP 256: x | y
  std::array<uint8_t, 32> nonce{};
  InitRequest req;
  req.initiator_spi = kSpi;
  req.nonce = nonce;
  req.ke_group = 19;
  req.ke_data = *ke;
  auto m = buildInitRequest(req);
  ASSERT_GE(m.size(), 28u);
  EXPECT_TRUE(std::equal(kSpi.begin(), kSpi.end(), m.begin()));
  EXPECT_EQ(m[16], 33);    // first payload: SA
  EXPECT_EQ(m[17], 0x20);  // IKEv2
  EXPECT_EQ(m[18], 34);    // IKE_SA_INIT
  EXPECT_EQ(m[19], 0x08);  // initiator
  EXPECT_EQ((size_t{m[24]} << 24 | size_t{m[25]} << 16 | size_t{m[26]} << 8 | m[27]), m.size());
  // Walk the payload chain: SA, KE, Nonce, Notify x 3 (NAT detection twice,
  // IKEV2_FRAGMENTATION_SUPPORTED last, without data).
  std::vector<uint8_t> types;
  uint8_t next = m[16];
  size_t pos = 28;
  while (next != 0) {
    types.push_back(next);
    next = m[pos];
    pos += u16(m, pos + 2);
    ASSERT_LE(pos, m.size());
  }
  EXPECT_EQ(pos, m.size());
  EXPECT_EQ(types, (std::vector<uint8_t>{33, 34, 40, 41, 41, 41}));
  EXPECT_EQ(u16(m, m.size() - 2), 16430);
  EXPECT_EQ(u16(m, m.size() - 6), 8);
  // The KE payload names group 19 and carries 64 bytes.
  size_t ke_at = 28 + u16(m, 28 + 2);
  EXPECT_EQ(u16(m, ke_at + 4), 19);
  EXPECT_EQ(u16(m, ke_at + 2), 8 + 64);
  // Two proposals: the second is the last.
  EXPECT_EQ(m[32], 2);   // proposal 1: more follow
  EXPECT_EQ(m[32 + 4], 1);
  size_t p2 = 32 + u16(m, 32 + 2);
  EXPECT_EQ(m[p2], 0);
  EXPECT_EQ(m[p2 + 4], 2);
}

TEST(Ikev2Message, KeyExchangeSizes) {
  EXPECT_EQ(monitor::makeKeyExchangeValue(14)->size(), 256u);
  EXPECT_EQ(monitor::makeKeyExchangeValue(20)->size(), 96u);
  EXPECT_EQ(monitor::makeKeyExchangeValue(2)->size(), 128u);
  EXPECT_FALSE(monitor::makeKeyExchangeValue(5));
}

std::vector<uint8_t> response(uint8_t first, std::vector<uint8_t> payloads, uint8_t flags = 0x20) {
  std::vector<uint8_t> m(kSpi.begin(), kSpi.end());
  m.insert(m.end(), 8, 0x11);
  m.insert(m.end(), {first, 0x20, 34, flags, 0, 0, 0, 0});
  uint32_t len = static_cast<uint32_t>(28 + payloads.size());
  m.insert(m.end(), {static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 8),
                     static_cast<uint8_t>(len)});
  m.insert(m.end(), payloads.begin(), payloads.end());
  return m;
}

std::vector<uint8_t> notify(uint8_t next, uint16_t type, std::vector<uint8_t> data = {}) {
  std::vector<uint8_t> p{next, 0, 0, static_cast<uint8_t>(8 + data.size()), 0, 0, static_cast<uint8_t>(type >> 8),
                         static_cast<uint8_t>(type)};
  p.insert(p.end(), data.begin(), data.end());
  return p;
}

TEST(Ikev2Message, ClassifyTable) {
  std::vector<uint8_t> full_payloads{34, 0, 0, 8, 0, 0, 0, 0,                 // SA
                                     40, 0, 0, 8, 0, 19, 0, 0,                // KE
                                     41, 0, 0, 8, 1, 2, 3, 4};                // Nonce
  auto nat = notify(0, 16388, std::vector<uint8_t>(20));
  full_payloads.insert(full_payloads.end(), nat.begin(), nat.end());
  auto wrong_spi = response(41, notify(0, 14));
  wrong_spi[0] ^= 0xff;
  auto truncated = response(41, notify(0, 14));
  truncated.resize(truncated.size() - 3);
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    Verdict verdict;
    std::string detail;
  } cases[] = {
      {"full response", response(33, full_payloads), Verdict::full, "IKE_SA_INIT response"},
      {"NO_PROPOSAL_CHOSEN", response(41, notify(0, 14)), Verdict::notify, "NO_PROPOSAL_CHOSEN"},
      {"INVALID_KE_PAYLOAD", response(41, notify(0, 17, {0, 14})), Verdict::notify,
       "INVALID_KE_PAYLOAD (wants DH group 14)"},
      {"COOKIE", response(41, notify(0, 16390, std::vector<uint8_t>(16))), Verdict::notify, "COOKIE"},
      {"other SPI", wrong_spi, Verdict::not_ours, ""},
      {"request, not response", response(41, notify(0, 14), 0x08), Verdict::not_ours, ""},
      {"short", std::vector<uint8_t>(10), Verdict::not_ours, ""},
      {"truncated", truncated, Verdict::malformed, "length field 36 with 33 bytes received"},
      {"payload overrun", response(41, {0, 0, 0, 200, 0, 0, 0, 14}), Verdict::malformed,
       "payload length 200 out of bounds"},
      {"empty", response(0, {}), Verdict::malformed, "response without SA, KE and Nonce and without a notify"},
  };
  for (const Case& c : cases) {
    auto r = classifyResponse(c.bytes, kSpi);
    EXPECT_EQ(r.verdict, c.verdict) << c.what;
    EXPECT_EQ(r.detail, c.detail) << c.what;
  }
}

TEST(Ikev2Message, CookieGoesBackFirst) {
  std::array<uint8_t, 32> nonce{};
  std::vector<uint8_t> ke(64, 1), cookie{9, 8, 7, 6, 5, 4, 3, 2};
  InitRequest req;
  req.initiator_spi = kSpi;
  req.nonce = nonce;
  req.ke_data = ke;
  auto plain = buildInitRequest(req);
  req.cookie = cookie;
  auto m = buildInitRequest(req);
  EXPECT_EQ(m[16], 41);  // first payload: Notify
  EXPECT_EQ(m[28], 33);  // then the SA, as before
  EXPECT_EQ(u16(m, 28 + 2), 8 + cookie.size());
  EXPECT_EQ(u16(m, 28 + 6), 16390);
  EXPECT_TRUE(std::equal(cookie.begin(), cookie.end(), m.begin() + 36));
  EXPECT_EQ(m.size(), plain.size() + 8 + cookie.size());
  EXPECT_TRUE(std::equal(plain.begin() + 28, plain.end(), m.begin() + 36 + static_cast<long>(cookie.size())));
}

std::vector<uint8_t> transform(bool last, uint8_t type, uint16_t id, uint16_t bits = 0) {
  std::vector<uint8_t> t{static_cast<uint8_t>(last ? 0 : 3), 0, 0, static_cast<uint8_t>(bits ? 12 : 8), type, 0,
                         static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  if (bits) t.insert(t.end(), {0x80, 0x0e, static_cast<uint8_t>(bits >> 8), static_cast<uint8_t>(bits)});
  return t;
}

TEST(Ikev2Message, DiagnosticsOfAFullResponse) {
  // SA: one proposal, AES-CBC-256 / PRF-HMAC-SHA2-256 / HMAC-SHA2-256-128 / group 14.
  std::vector<uint8_t> proposal{0, 0, 0, 0, 1, 1, 0, 4};
  for (const auto& t : {transform(false, 1, 12, 256), transform(false, 2, 5), transform(false, 3, 12),
                        transform(true, 4, 14)})
    proposal.insert(proposal.end(), t.begin(), t.end());
  proposal[3] = static_cast<uint8_t>(proposal.size());
  std::vector<uint8_t> p{34, 0, 0, static_cast<uint8_t>(4 + proposal.size())};
  p.insert(p.end(), proposal.begin(), proposal.end());
  p.insert(p.end(), {40, 0, 0, 8, 0, 14, 0, 0, 41, 0, 0, 8, 1, 2, 3, 4});  // KE, Nonce
  NatHash source{}, destination{};
  source.fill(0xaa);
  destination.fill(0xbb);
  for (auto n : {notify(41, 16388, {source.begin(), source.end()}),
                 notify(41, 16389, {destination.begin(), destination.end()}), notify(43, 16430)})
    p.insert(p.end(), n.begin(), n.end());
  std::vector<uint8_t> ms{0, 0, 0, 24, 0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96,
                          0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0, 0, 0, 9};  // MS NT5 ISAKMPOAKLEY, version 9
  p.insert(p.end(), ms.begin(), ms.end());
  auto r = classifyResponse(response(33, p), kSpi);
  ASSERT_EQ(r.verdict, Verdict::full) << r.detail;
  ASSERT_TRUE(r.proposal);
  EXPECT_EQ(proposalText(*r.proposal), "AES-CBC-256, PRF-HMAC-SHA2-256, HMAC-SHA2-256-128, MODP-2048 (group 14)");
  EXPECT_TRUE(r.fragmentation);
  EXPECT_EQ(r.nat_source, source);
  EXPECT_EQ(r.nat_destination, destination);
  EXPECT_EQ(r.responder_spi, (Spi{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11}));
  ASSERT_EQ(r.vendor_ids.size(), 1u);
  EXPECT_EQ(vendorName(r.vendor_ids[0]), "Windows (MS NT5 ISAKMPOAKLEY 9)");
  // A COOKIE's data is kept for the retry; one longer than 64 bytes is not.
  auto c = classifyResponse(response(41, notify(0, 16390, {1, 2, 3, 4, 5, 6, 7, 8})), kSpi);
  EXPECT_EQ(c.cookie, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_TRUE(classifyResponse(response(41, notify(0, 16390, std::vector<uint8_t>(65))), kSpi).cookie.empty());
}

TEST(Ikev2Message, NamesOfProposalsAndVendors) {
  EXPECT_EQ(proposalText({20, 256, 7, 0, 20}), "AES-GCM-16-256, PRF-HMAC-SHA2-512, ECP-384 (group 20)");
  EXPECT_EQ(proposalText({3, 0, 2, 2, 2}), "3DES, PRF-HMAC-SHA1, HMAC-SHA1-96, MODP-1024 (group 2)");
  EXPECT_EQ(proposalText({99, 0, 98, 97, 96}), "ENCR 99, PRF 98, INTEG 97, DH 96 (group 96)");
  const uint8_t strongswan[] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
                                0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb};
  EXPECT_EQ(vendorName(strongswan), "strongSwan");
  const uint8_t unknown[] = {0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(vendorName(unknown), "deadbeef");
}

TEST(Ikev2Message, NatDetectionHashDependsOnEveryInput) {
  auto a = natDetectionHash(kSpi, *IpAddress::parse("198.18.0.1"), 500);
  EXPECT_NE(a, natDetectionHash(kSpi, *IpAddress::parse("198.18.0.1"), 500, Spi{1}));
  EXPECT_NE(a, natDetectionHash(kSpi, *IpAddress::parse("198.18.0.2"), 500));
  EXPECT_NE(a, natDetectionHash(kSpi, *IpAddress::parse("198.18.0.1"), 4500));
  Spi other = kSpi;
  other[7] ^= 1;
  EXPECT_NE(a, natDetectionHash(other, *IpAddress::parse("198.18.0.1"), 500));
}

}  // namespace
}  // namespace gtm::test
