// The latency table of performance routing: the CSV read line by line with
// each mistake named by file:line, and the longest-prefix lookup.
#include "policy/latency_table.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace gtm::test {
namespace {

const std::vector<std::string> kSites{"singapore", "virginia", "amsterdam"};

Result<std::shared_ptr<const policy::LatencyTable>> parse(const std::string& text) {
  std::istringstream in(text);
  return policy::LatencyTable::parse(in, "rtt.csv", kSites);
}

std::string lookup(const policy::LatencyTable& t, const std::string& address, uint8_t prefix) {
  uint8_t matched = 0;
  auto rtts = t.lookup(*IpAddress::parse(address), prefix, matched);
  std::string out;
  for (const auto& r : rtts) out += kSites[r.endpoint] + "=" + std::to_string(static_cast<int>(r.ms)) + " ";
  return out + "/" + std::to_string(matched);
}

TEST(LatencyTable, ReadsAndLooksUpTheLongestPrefix) {
  auto t = parse("# prefix,endpoint,rtt_ms\n"
                 "198.51.100.0/24, amsterdam, 18.5\n"
                 "198.51.100.0/24,virginia,95\n"
                 "\n"
                 "198.51.0.0/16,singapore,200\r\n"
                 "198.51.100.128/25,singapore,7\n"
                 "2001:db8::/32,virginia,80\n"
                 "2001:db8:1::/48,amsterdam,12\n"
                 "0.0.0.0/0,virginia,150\n");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ((*t)->networks(), 6u);
  EXPECT_EQ((*t)->lines(), 7u);
  EXPECT_EQ(lookup(**t, "198.51.100.7", 32), "amsterdam=18 virginia=95 /24");
  EXPECT_EQ(lookup(**t, "198.51.100.200", 32), "singapore=7 /25");
  EXPECT_EQ(lookup(**t, "198.51.7.1", 32), "singapore=200 /16");
  EXPECT_EQ(lookup(**t, "192.0.2.1", 32), "virginia=150 /0");
  // Only as much of the address as the client gave: a /20 is not in the /24.
  EXPECT_EQ(lookup(**t, "198.51.100.0", 20), "singapore=200 /16");
  EXPECT_EQ(lookup(**t, "2001:db8:1::9", 128), "amsterdam=12 /48");
  EXPECT_EQ(lookup(**t, "2001:db8:2::9", 56), "virginia=80 /32");
  EXPECT_EQ(lookup(**t, "2001:db9::1", 128), "/0") << "no IPv6 default listed";
  // Host bits in a network are cleared.
  auto host_bits = parse("198.51.100.77/24,amsterdam,5\n");
  ASSERT_TRUE(host_bits);
  EXPECT_EQ(lookup(**host_bits, "198.51.100.1", 32), "amsterdam=5 /24");
}

TEST(LatencyTable, EachBadLineIsNamed) {
  struct Case {
    std::string text, error;
  } cases[] = {
      {"198.51.100.0/24,amsterdam\n", "rtt.csv:1: expected prefix,endpoint,rtt_ms"},
      {"# ok\n198.51.100.0/24,amsterdam,5,extra\n", "rtt.csv:2: expected prefix,endpoint,rtt_ms"},
      {"198.51.100.0,amsterdam,5\n", "rtt.csv:1: \"198.51.100.0\" is not a network like 198.51.100.0/24"},
      {"198.51.100.0/33,amsterdam,5\n", "is not a network"},
      {"198.51.100.0/24,tokyo,5\n", "rtt.csv:1: the profile has no endpoint \"tokyo\""},
      {"198.51.100.0/24,amsterdam,fast\n", "rtt.csv:1: rtt_ms \"fast\" is not a number of milliseconds from 0 to 60000"},
      {"198.51.100.0/24,amsterdam,-1\n", "rtt_ms \"-1\""},
      {"198.51.100.0/24,amsterdam,1e9\n", "rtt_ms \"1e9\""},
      {"198.51.100.0/24,amsterdam,nan\n", "rtt_ms \"nan\""},
      {"198.51.100.0/24,amsterdam,5\n198.51.100.9/24,amsterdam,6\n",
       "rtt.csv:2: 198.51.100.0/24 already has a time for amsterdam"},
  };
  for (const Case& c : cases) {
    auto t = parse(c.text);
    ASSERT_FALSE(t) << c.text;
    EXPECT_NE(t.error().find(c.error), std::string::npos) << t.error();
  }
}

TEST(LatencyTable, AtMostAMillionLines) {
  std::string text;
  text.reserve(1'000'001 * 2);
  for (size_t i = 0; i < 1'000'001; ++i) text += "#\n";
  auto t = parse(text);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), "rtt.csv:1000001: more than 1,000,000 lines");
}

}  // namespace
}  // namespace gtm::test
