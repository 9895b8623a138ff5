// The nftables ruleset gtm lb installs: its text, and (as root, in a network
// namespace of its own) that nft accepts it.
#include "lb/nft_ruleset.hpp"

#include <gtest/gtest.h>

#include "tests/support/charon.hpp"
#include "tests/support/gtm_process.hpp"

namespace gtm::test {
namespace {

std::vector<lb::ServiceRules> services() {
  lb::ServiceRules ike{"ikev2", *IpAddress::parse("198.18.0.10"), true, {500, 4500}, {}};
  ike.slots = {*IpAddress::parse("198.18.1.11"), *IpAddress::parse("198.18.1.12"), *IpAddress::parse("198.18.1.11")};
  lb::ServiceRules sstp{"sstp", *IpAddress::parse("198.18.0.10"), false, {443}, {}};  // no healthy real server
  lb::ServiceRules v6{"v6", *IpAddress::parse("2001:db8::10"), false, {443}, {*IpAddress::parse("2001:db8::11")}};
  return {ike, sstp, v6};
}

TEST(NftRuleset, Text) {
  std::string r = lb::renderRuleset("gtm_lb", services());
  EXPECT_EQ(r.rfind("table inet gtm_lb {}\ndelete table inet gtm_lb\ntable inet gtm_lb {\n", 0), 0u) << r;
  EXPECT_NE(r.find("ip daddr 198.18.0.10 udp dport { 500, 4500 } counter dnat ip to jhash ip saddr mod 3 seed "
                   "0x67746d31 map { 0 : 198.18.1.11, 1 : 198.18.1.12, 2 : 198.18.1.11 } comment \"service ikev2\""),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("ip daddr 198.18.0.10 tcp dport 443 counter reject with tcp reset comment \"service sstp: no "
                   "healthy real server\""),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("ip6 daddr 2001:db8::10 tcp dport 443 counter dnat ip6 to jhash ip6 saddr mod 1"), std::string::npos)
      << r;
}

TEST(NftRuleset, NftAcceptsItAndDeleteRemovesIt) {
  if (auto why = NetNamespace::cannotCreate(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("nft")) GTEST_SKIP() << "nft is not installed (scripts/install-deps.sh test)";
  NetNamespace ns;
  std::string dir = makeTempDir();
  std::string file = writeFile(dir, "rules.nft", lb::renderRuleset("gtm_lb", services()));
  // Twice: the second run replaces the table the first one left.
  for (int i = 0; i < 2; ++i) {
    auto load = run(ns.exec() + "nft -f " + file);
    EXPECT_EQ(load.exit_code, 0) << load.output;
  }
  auto list = run(ns.exec() + "nft list table inet gtm_lb");
  EXPECT_NE(list.output.find("jhash ip saddr mod 3 seed 0x67746d31"), std::string::npos) << list.output;
  std::string del = writeFile(dir, "delete.nft", lb::renderDelete("gtm_lb"));
  EXPECT_EQ(run(ns.exec() + "nft -f " + del).exit_code, 0);
  EXPECT_EQ(run(ns.exec() + "nft list table inet gtm_lb").exit_code, 1);
}

}  // namespace
}  // namespace gtm::test
