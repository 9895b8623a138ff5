// Response rate limiting: the limiter's accounting (buckets by client prefix
// and response identity, refill, exemptions) and the handler's use of it
// (drop or slip, TCP and cookie-bearing clients never limited).
#include "dns/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "dns/query_handler.hpp"
#include "dns/wire.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"
#include "tests/support/test_snapshot.hpp"

namespace gtm::test {
namespace {

constexpr uint64_t kSecond = 1000000;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

config::RrlSettings settings(unsigned rate = 20) {
  config::RrlSettings s;
  s.responses_per_second = rate;
  return s;
}

unsigned allowed(dns::RateLimiter& rl, const IpAddress& client, uint64_t key, uint64_t now, unsigned tries) {
  unsigned n = 0;
  for (unsigned i = 0; i < tries; ++i) n += rl.allow(client, key, now) ? 1 : 0;
  return n;
}

TEST(RateLimiter, BurstOfOneSecondThenTheRate) {
  dns::RateLimiter rl(settings(20));
  uint64_t t = 1000 * kSecond;
  EXPECT_EQ(allowed(rl, ip("192.0.2.1"), 7, t, 100), 20u);
  // Half a second later, half a second's worth more.
  EXPECT_EQ(allowed(rl, ip("192.0.2.1"), 7, t + kSecond / 2, 100), 10u);
  // A fresh client flooding at 1000/s for 5 s: the burst, then 20 a second.
  unsigned through = 0;
  for (uint64_t ms = 0; ms < 5000; ++ms) through += allowed(rl, ip("198.51.100.1"), 7, t + ms * 1000, 1);
  EXPECT_GE(through, 20u + 99u);
  EXPECT_LE(through, 20u + 101u);
}

TEST(RateLimiter, ClientsShareTheirPrefixOnly) {
  dns::RateLimiter rl(settings(5));
  uint64_t t = 50 * kSecond;
  EXPECT_EQ(allowed(rl, ip("192.0.2.1"), 1, t, 10), 5u);
  EXPECT_EQ(allowed(rl, ip("192.0.2.200"), 1, t, 10), 0u) << "same /24";
  EXPECT_EQ(allowed(rl, ip("192.0.3.1"), 1, t, 10), 5u) << "another /24";
  EXPECT_EQ(allowed(rl, ip("192.0.2.1"), 2, t, 10), 5u) << "another response";
  EXPECT_EQ(allowed(rl, ip("2001:db8:0:aa::1"), 1, t, 10), 5u);
  EXPECT_EQ(allowed(rl, ip("2001:db8:0:bb::2"), 1, t, 10), 0u) << "same /56";
  EXPECT_EQ(allowed(rl, ip("2001:db8:0:100::1"), 1, t, 10), 5u) << "another /56";
}

TEST(RateLimiter, CollisionsNeverRefillAnotherClientsBucket) {
  config::RrlSettings s = settings(5);
  s.table_size = 1024;  // the smallest table: 3,000 other clients must collide
  dns::RateLimiter rl(s);
  uint64_t t = 70 * kSecond;
  ASSERT_EQ(allowed(rl, ip("192.0.2.1"), 1, t, 10), 5u);
  // Many other prefixes, each answered once, fill every bucket of the table.
  for (unsigned i = 0; i < 3000; ++i) {
    std::string other = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1";
    EXPECT_TRUE(rl.allow(ip(other.c_str()), 1, t)) << other;
  }
  EXPECT_EQ(allowed(rl, ip("192.0.2.1"), 1, t, 10), 0u) << "the flooder's budget is still spent";
  // A second later it has earned a second's worth, and no more.
  EXPECT_LE(allowed(rl, ip("192.0.2.1"), 1, t + kSecond, 10), 5u);
}

TEST(RateLimiter, ExemptSubnets) {
  config::RrlSettings s = settings();
  EXPECT_TRUE(dns::RateLimiter(s).exempt(ip("127.0.0.1")));
  EXPECT_TRUE(dns::RateLimiter(s).exempt(ip("::1")));
  EXPECT_FALSE(dns::RateLimiter(s).exempt(ip("192.0.2.1")));
  s.exempt = {*Subnet::parse("192.0.2.0/25")};
  EXPECT_TRUE(dns::RateLimiter(s).exempt(ip("192.0.2.127")));
  EXPECT_FALSE(dns::RateLimiter(s).exempt(ip("192.0.2.128")));
  EXPECT_FALSE(dns::RateLimiter(s).exempt(ip("127.0.0.1")));
}

TEST(RateLimiter, ResponseIdentities) {
  std::vector<uint8_t> a = wireName("a.vpn.example.com."), b = wireName("b.vpn.example.com.");
  using dns::responseKey;
  EXPECT_EQ(responseKey(a, 1, dns::rcode::NXDOMAIN, 0), responseKey(b, 28, dns::rcode::NXDOMAIN, 0));
  EXPECT_EQ(responseKey(a, 1, dns::rcode::REFUSED, 0), responseKey(b, 1, dns::rcode::FORMERR, 0));
  EXPECT_NE(responseKey(a, 1, dns::rcode::NXDOMAIN, 0), responseKey(a, 1, dns::rcode::REFUSED, 0));
  EXPECT_NE(responseKey(a, 1, dns::rcode::NOERROR, 1), responseKey(b, 1, dns::rcode::NOERROR, 1));
  EXPECT_NE(responseKey(a, 1, dns::rcode::NOERROR, 1), responseKey(a, 28, dns::rcode::NOERROR, 1));
  EXPECT_NE(responseKey(a, 1, dns::rcode::NOERROR, 1), responseKey(a, 1, dns::rcode::NOERROR, 0));
}

class RateLimitedHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string errors;
    snapshot_ = compileSnapshot(testConfig(), errors);
    ASSERT_TRUE(snapshot_) << errors;
    client_.address = ip("192.0.2.1");
    client_.now = 1700000000;
    client_.clock_us = 5000 * kSecond;
  }
  // Sends `count` copies; returns {answered, truncated}.
  std::pair<unsigned, unsigned> flood(const QuerySpec& spec, unsigned count) {
    unsigned answered = 0, truncated = 0;
    for (unsigned i = 0; i < count; ++i) {
      std::vector<uint8_t> out(65535);
      size_t n = handler_.handle(*snapshot_, buildQuery(spec), client_, out);
      if (n == 0) continue;
      out.resize(n);
      auto p = decode(out);
      if (!p) continue;
      if (ldns_pkt_tc(p.get())) {
        EXPECT_EQ(ldns_pkt_ancount(p.get()), 0);
        ++truncated;
      } else {
        ++answered;
      }
    }
    return {answered, truncated};
  }

  std::unique_ptr<dns::Snapshot> snapshot_;
  dns::RateLimiter limiter_{settings(10)};
  dns::CookieSecret secret_{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  dns::QueryHandler handler_{secret_, 1232, &limiter_};
  dns::ClientInfo client_;
};

TEST_F(RateLimitedHandlerTest, FloodIsLimitedAndEverySecondLimitedResponseSlips) {
  QuerySpec spec;
  auto [answered, truncated] = flood(spec, 110);
  EXPECT_EQ(answered, 10u);
  EXPECT_EQ(truncated, 50u);  // slip = 2: half of the 100 limited ones
  EXPECT_EQ(handler_.stats().rate_limited_dropped.load(), 50u);
  EXPECT_EQ(handler_.stats().rate_limited_slipped.load(), 50u);
}

TEST_F(RateLimitedHandlerTest, TcpAndExemptClientsAreNeverLimited) {
  QuerySpec spec;
  client_.tcp = true;
  EXPECT_EQ(flood(spec, 50).first, 50u);
  client_.tcp = false;
  client_.address = ip("127.0.0.9");
  EXPECT_EQ(flood(spec, 50).first, 50u);
}

TEST_F(RateLimitedHandlerTest, ClientWithOurServerCookieIsNotLimited) {
  std::vector<uint8_t> cookie{1, 2, 3, 4, 5, 6, 7, 8};
  QuerySpec spec;
  spec.edns = true;
  spec.options = {{dns::edns_option::COOKIE, cookie}};
  // The first answer carries the server cookie; send it back from then on.
  std::vector<uint8_t> out(65535);
  out.resize(handler_.handle(*snapshot_, buildQuery(spec), client_, out));
  auto full = ednsOption(decode(out).get(), dns::edns_option::COOKIE);
  ASSERT_EQ(full.size(), 24u);
  spec.options = {{dns::edns_option::COOKIE, full}};
  EXPECT_EQ(flood(spec, 60).first, 60u);
  // A made-up server cookie does not exempt.
  full[20] ^= 0xFF;
  spec.options = {{dns::edns_option::COOKIE, full}};
  EXPECT_LT(flood(spec, 60).first, 15u);
}

}  // namespace
}  // namespace gtm::test
