// Routing methods seen through DNS answers: weighted shares over 4,000
// queries, subnet routing by ECS and by source address with the ECS scope
// set, multivalue answers, nested profiles; and the config errors of nesting.
#include <gtest/gtest.h>

#include <map>

#include "config/config_loader.hpp"
#include "dns/query_handler.hpp"
#include "dns/route_explainer.hpp"
#include "dns/snapshot_builder.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"
#include "tests/support/test_snapshot.hpp"

namespace gtm::test {
namespace {

const std::string kConfig = minimalZone() + R"(
[[profile]]
name = "weighted"
fqdn = "w.vpn.example.com."
routing = "weighted"
  [[profile.endpoint]]
  name = "big"
  target = "192.0.2.1"
  weight = 3
  [[profile.endpoint]]
  name = "small"
  target = "192.0.2.2"

[[profile]]
name = "subnet"
fqdn = "s.vpn.example.com."
routing = "subnet"
  [[profile.endpoint]]
  name = "europe"
  target = "192.0.2.10"
  subnets = ["203.0.113.0/24", "2001:db8:e0::/48"]
  [[profile.endpoint]]
  name = "lab"
  target = "192.0.2.11"
  subnets = ["192.0.2.0/24"]
  [[profile.endpoint]]
  name = "rest"
  target = "192.0.2.12"

[[profile]]
name = "multi"
fqdn = "m.vpn.example.com."
routing = "multivalue"
max_answers = 3
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.21"
  [[profile.endpoint]]
  name = "b"
  target = "192.0.2.22"
  [[profile.endpoint]]
  name = "c"
  target = "192.0.2.23"
  [[profile.endpoint]]
  name = "d"
  target = "192.0.2.24"

[[monitor]]
name = "tcp"
protocol = "tcp"
port = 9

[[profile]]
name = "closed"
fqdn = "c.vpn.example.com."
all_degraded = "fail-closed"
monitors = ["tcp"]
  [[profile.endpoint]]
  name = "only"
  target = "192.0.2.30"
  [[profile.endpoint]]
  name = "pinned"
  target = "192.0.2.31"
  always_serve = true
  enabled = false

[[profile]]
name = "parent"
fqdn = "p.vpn.example.com."
  [[profile.endpoint]]
  name = "to-subnet"
  profile = "subnet"
)";

class RoutingAnswersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string errors;
    snapshot_ = compileSnapshot(kConfig, errors);
    ASSERT_TRUE(snapshot_) << errors;
    client_.address = *IpAddress::parse("192.0.2.77");
  }
  Packet ask(const QuerySpec& spec) {
    std::vector<uint8_t> out(65535);
    out.resize(handler_.handle(*snapshot_, buildQuery(spec), client_, out));
    return decode(out);
  }
  static QuerySpec q(const std::string& name, std::vector<uint8_t> ecs = {}) {
    QuerySpec s;
    s.name = name;
    if (!ecs.empty()) {
      s.edns = true;
      s.options = {{8, ecs}};
    }
    return s;
  }
  static std::string first(const Packet& p) {
    auto a = section(p.get(), LDNS_SECTION_ANSWER);
    return a.empty() ? "" : a[0].substr(a[0].rfind(' ') + 1);
  }
  std::unique_ptr<dns::Snapshot> snapshot_;
  dns::QueryHandler handler_{dns::CookieSecret{}, 1232};
  dns::ClientInfo client_;
};

TEST_F(RoutingAnswersTest, WeightedThreeToOneOver4000Queries) {
  std::map<std::string, int> count;
  for (int i = 0; i < 4000; ++i) ++count[first(ask(q("w.vpn.example.com.")))];
  EXPECT_EQ(count["192.0.2.1"] + count["192.0.2.2"], 4000);
  EXPECT_NEAR(count["192.0.2.1"] / 4000.0, 0.75, 0.05) << count["192.0.2.1"];
}

TEST_F(RoutingAnswersTest, SubnetByEcsWithScope) {
  auto p = ask(q("s.vpn.example.com.", {0, 1, 24, 0, 203, 0, 113}));
  EXPECT_EQ(first(p), "192.0.2.10");
  EXPECT_EQ(ednsOption(p.get(), 8), (std::vector<uint8_t>{0, 1, 24, 24, 203, 0, 113}));
  auto v6 = ask(q("s.vpn.example.com.", {0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0xe0, 0x12}));
  EXPECT_EQ(first(v6), "192.0.2.10");
  EXPECT_EQ(ednsOption(v6.get(), 8)[3], 48);
  // Unmatched: the fallback, for the prefix that holds no subnet of the
  // profile: 198.51.100.0 parts from 192.0.2.0/24 at the sixth bit.
  auto other = ask(q("s.vpn.example.com.", {0, 1, 24, 0, 198, 51, 100}));
  EXPECT_EQ(first(other), "192.0.2.12");
  EXPECT_EQ(ednsOption(other.get(), 8)[3], 6);
}

TEST_F(RoutingAnswersTest, SubnetBySourceAddressWithoutEcs) {
  EXPECT_EQ(first(ask(q("s.vpn.example.com."))), "192.0.2.11");  // 192.0.2.77 is in the lab /24
  client_.address = *IpAddress::parse("198.51.100.1");
  EXPECT_EQ(first(ask(q("s.vpn.example.com."))), "192.0.2.12");
}

TEST_F(RoutingAnswersTest, MultivalueAnswersThreeDistinct) {
  auto p = ask(q("m.vpn.example.com."));
  auto a = section(p.get(), LDNS_SECTION_ANSWER);
  ASSERT_EQ(a.size(), 3u);
  std::set<std::string> distinct(a.begin(), a.end());
  EXPECT_EQ(distinct.size(), 3u);
}

TEST_F(RoutingAnswersTest, NestedProfileAnswersThroughItsChild) {
  auto p = ask(q("p.vpn.example.com.", {0, 1, 24, 0, 203, 0, 113}));
  EXPECT_EQ(first(p), "192.0.2.10");
  EXPECT_EQ(ednsOption(p.get(), 8)[3], 24);
}

TEST_F(RoutingAnswersTest, FailClosedAndAlwaysServe) {
  const policy::Profile& closed = snapshot_->profiles[3];
  ASSERT_EQ(closed.name, "closed");
  const policy::Endpoint& only = closed.endpoints[0];
  const policy::Endpoint& pinned = closed.endpoints[1];
  EXPECT_EQ(snapshot_->health->get(only.health_slot), policy::Health::checking);
  EXPECT_EQ(snapshot_->health->get(pinned.health_slot), policy::Health::unmonitored);
  EXPECT_EQ(first(ask(q("c.vpn.example.com."))), "192.0.2.30");
  snapshot_->health->set(only.health_slot, policy::Health::degraded);
  auto p = ask(q("c.vpn.example.com."));
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 0) << "fail-closed: NODATA";
  // An always-serve endpoint has no monitors to fail: once enabled it answers.
  const_cast<policy::Endpoint&>(pinned).enabled = true;
  EXPECT_EQ(first(ask(q("c.vpn.example.com."))), "192.0.2.31");
}

std::string compileErrors(const std::string& text) {
  auto loaded = config::loadString(text, "n.toml");
  if (!loaded.ok()) return loaded.diagnostics.format();
  dns::SerialClock serials;
  return dns::buildSnapshot(loaded.config, loaded.diagnostics, serials) ? "" : loaded.diagnostics.format();
}

std::string chain(int profiles, bool loop) {
  std::string text = R"([[zone]]
origin = "z.test."
ns = ["ns.other.test."]
soa = { mname = "ns.other.test.", rname = "a.z.test." }
)";
  for (int i = 0; i < profiles; ++i) {
    text += "[[profile]]\nname = \"p" + std::to_string(i) + "\"\nfqdn = \"p" + std::to_string(i) + ".z.test.\"\n";
    text += "  [[profile.endpoint]]\n  name = \"e\"\n";
    if (i + 1 < profiles)
      text += "  profile = \"p" + std::to_string(i + 1) + "\"\n";
    else if (loop)
      text += "  profile = \"p0\"\n";
    else
      text += "  target = \"192.0.2.1\"\n";
  }
  return text;
}

TEST(NestedProfiles, LoopsAndDepthAreRejected) {
  EXPECT_EQ(compileErrors(chain(10, false)), "");
  EXPECT_NE(compileErrors(chain(11, false)).find("nests more than 10 levels deep"), std::string::npos);
  EXPECT_NE(compileErrors(chain(3, true)).find("nests itself (a loop of profiles)"), std::string::npos);
  std::string unknown = chain(1, false);
  unknown.replace(unknown.find("target = \"192.0.2.1\""), 20, "profile = \"nope\"");
  EXPECT_NE(compileErrors(unknown).find("there is no [[profile]] named \"nope\""), std::string::npos);
  std::string subnets = chain(1, false) + "  subnets = [\"192.0.2.0/24\"]\n";
  EXPECT_NE(compileErrors(subnets).find("subnets apply only to routing = \"subnet\""), std::string::npos);
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

// gtm route and /api/v1/route say the ECS scope the DNS answer carries, for
// every client subnet (one function computes both; they disagreed on 7 of
// 48: 198.51.100.0/24 said 25 where DNS said 24, 0.0.0.0/0 1 where DNS 0).
TEST_F(RoutingAnswersTest, RouteExplanationAndDnsAgreeOnTheScope) {
  int compared = 0;
  for (const char* at : {"203.0.113.0", "198.51.100.0", "192.0.2.0", "10.9.8.0", "0.0.0.0", "255.255.255.0"})
    for (uint8_t source : {0, 1, 8, 16, 20, 24, 25, 32}) {
      auto address = IpAddress::parse(at)->masked(source);
      auto subnet = dns::parseClient(address.toString() + "/" + std::to_string(source));
      ASSERT_TRUE(subnet) << at << "/" << int(source);
      auto explained = dns::explainRoute(*snapshot_, "subnet", *subnet);
      ASSERT_TRUE(explained);
      std::vector<uint8_t> ecs{0, 1, source, 0};
      auto bytes = address.span();
      for (size_t i = 0; i < (source + 7u) / 8; ++i) ecs.push_back(bytes[i]);
      auto p = ask(q("s.vpn.example.com.", ecs));
      auto option = ednsOption(p.get(), 8);
      ASSERT_GE(option.size(), 4u) << at << "/" << int(source);
      EXPECT_EQ(option[3], explained->scope_prefix) << at << "/" << int(source);
      ++compared;
    }
  EXPECT_EQ(compared, 48);
}

}  // namespace
}  // namespace gtm::test
