#include "dns/cookie.hpp"

#include <gtest/gtest.h>

namespace gtm::test {
namespace {

TEST(Cookie, SignAndVerify) {
  dns::CookieSigner signer(dns::CookieSecret{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6});
  std::array<uint8_t, 24> cookie{1, 2, 3, 4, 5, 6, 7, 8};
  auto client = *IpAddress::parse("198.51.100.7");
  signer.sign(std::span<const uint8_t, 8>(cookie.data(), 8), client, 1000000,
              std::span<uint8_t, 16>(cookie.data() + 8, 16));
  EXPECT_EQ(cookie[8], 1);
  EXPECT_TRUE(signer.verify(cookie, client, 1000000));
  EXPECT_TRUE(signer.verify(cookie, client, 1000000 + 3600));
  EXPECT_FALSE(signer.verify(cookie, client, 1000000 + 3601)) << "older than an hour";
  EXPECT_FALSE(signer.verify(cookie, client, 1000000 - 301)) << "too far in the future";
  EXPECT_FALSE(signer.verify(cookie, *IpAddress::parse("198.51.100.8"), 1000000)) << "other client";
  auto tampered = cookie;
  tampered[20] ^= 1;
  EXPECT_FALSE(signer.verify(tampered, client, 1000000));
  dns::CookieSigner other(dns::CookieSecret{});
  EXPECT_FALSE(other.verify(cookie, client, 1000000)) << "other secret";
}

TEST(Cookie, Rfc9018AppendixA1) {
  dns::CookieSigner signer(dns::CookieSecret{0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f, 0x48, 0xe7, 0xdc, 0x84,
                                             0x9e, 0x37, 0xbf, 0xcf});
  std::array<uint8_t, 8> client{0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
  std::array<uint8_t, 16> server{};
  signer.sign(client, *IpAddress::parse("198.51.100.100"), 1559731985, server);
  std::array<uint8_t, 16> expect{0x01, 0x00, 0x00, 0x00, 0x5c, 0xf7, 0x9f, 0x11,
                                 0x1f, 0x81, 0x30, 0xc3, 0xee, 0xe2, 0x94, 0x80};
  EXPECT_EQ(server, expect);
}

TEST(Cookie, SameInputsSameCookieAcrossSigners) {
  // Two threads with the same secret must agree (RFC 9018 interoperability).
  dns::CookieSecret secret{1};
  dns::CookieSigner a(secret), b(secret);
  std::array<uint8_t, 8> cc{4, 4, 4, 4, 4, 4, 4, 4};
  std::array<uint8_t, 16> sa{}, sb{};
  auto client = *IpAddress::parse("2001:db8::1");
  a.sign(cc, client, 42, sa);
  b.sign(cc, client, 42, sb);
  EXPECT_EQ(sa, sb);
}

}  // namespace
}  // namespace gtm::test
