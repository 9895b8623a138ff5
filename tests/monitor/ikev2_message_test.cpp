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
  // Walk the payload chain: SA, KE, Nonce, Notify, Notify.
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
  EXPECT_EQ(types, (std::vector<uint8_t>{33, 34, 40, 41, 41}));
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

TEST(Ikev2Message, NatDetectionHashDependsOnEveryInput) {
  auto a = natDetectionHash(kSpi, *IpAddress::parse("198.18.0.1"), 500);
  EXPECT_NE(a, natDetectionHash(kSpi, *IpAddress::parse("198.18.0.2"), 500));
  EXPECT_NE(a, natDetectionHash(kSpi, *IpAddress::parse("198.18.0.1"), 4500));
  Spi other = kSpi;
  other[7] ^= 1;
  EXPECT_NE(a, natDetectionHash(other, *IpAddress::parse("198.18.0.1"), 500));
}

}  // namespace
}  // namespace gtm::test
