// The view of the other nodes built from etcd key events: live nodes only,
// leases that expire, signs of life after a read, unreadable values,
// config and admin digests.
#include "cluster/cluster_view.hpp"

#include <gtest/gtest.h>

#include "cluster/agreement.hpp"

namespace gtm::test {
namespace {

using policy::Health;

std::string obs(const char* state) { return std::string("{\"state\":\"") + state + "\",\"reason\":\"r\"}"; }

TEST(ClusterView, LiveNodesObservationsAndExpiry) {
  cluster::ClusterView v("ns1");
  const std::string t = cluster::targetKey("sstp", "198.18.1.10", 443);
  EXPECT_EQ(t, "sstp|198.18.1.10|443");
  int64_t rev = 10;
  auto put = [&](const std::string& key, const std::string& value) { return v.apply(key, value, ++rev, false); };
  auto del = [&](const std::string& key) { return v.apply(key, "", ++rev, true); };
  EXPECT_TRUE(put("nodes/ns1", R"({"config_digest":"abc","version":"0.1.0"})"));
  EXPECT_TRUE(put("nodes/ns2", R"({"config_digest":"abc","version":"0.1.0"})"));
  EXPECT_TRUE(put("nodes/ns3", R"({"config_digest":"xyz","version":"0.1.0","admin_digest":"a1"})"));
  EXPECT_TRUE(put("obs/ns1/" + t, obs("Degraded")));  // this node's own: never among the others
  EXPECT_TRUE(put("obs/ns2/" + t, obs("Online")));
  EXPECT_TRUE(put("obs/ns3/" + t, obs("Online")));
  EXPECT_TRUE(put("obs/ns4/" + t, obs("Degraded")));  // no nodes/ns4 key: not a live node
  EXPECT_EQ(v.others(t), (std::vector<Health>{Health::online, Health::online}));
  // ns1's own Degraded against two Online: majority keeps the site up.
  EXPECT_EQ(cluster::agree(cluster::Agreement::majority, Health::degraded, v.others(t)), Health::online);
  EXPECT_EQ(v.configMismatch("abc"), (std::vector<std::string>{"ns3"}));
  EXPECT_EQ(v.adminMismatch("a0"), (std::vector<std::string>{"ns3"}));  // nodes without one are not compared
  EXPECT_EQ(v.nodes().size(), 3u);

  // ns2's lease expires: its node key goes (its observation too, in any order).
  EXPECT_TRUE(del("nodes/ns2"));
  EXPECT_EQ(v.others(t), (std::vector<Health>{Health::online}));
  EXPECT_TRUE(del("obs/ns2/" + t));
  EXPECT_TRUE(put("obs/ns3/" + t, obs("Degraded")));
  EXPECT_EQ(cluster::agree(cluster::Agreement::majority, Health::degraded, v.others(t)), Health::degraded);

  // A value that does not read as a state counts as no observation, and
  // says why it was ignored.
  EXPECT_FALSE(put("obs/ns3/" + t, "{not json"));
  EXPECT_TRUE(v.others(t).empty());
  EXPECT_TRUE(put("obs/ns3/" + t, obs("Degraded")));
  auto r = put("obs/ns3/" + t, obs("Sideways"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("not a health state"), std::string::npos) << r.error();
  EXPECT_TRUE(v.others(t).empty());
  // Other keys under the prefix are no business of the view.
  EXPECT_TRUE(put("admin/aovpn/east", "disabled"));
  EXPECT_FALSE(put("obs/", obs("Online")));
  EXPECT_FALSE(put("obs/ns3", obs("Online")));
  EXPECT_TRUE(v.others(t).empty());
  v.clear(rev);
  EXPECT_TRUE(v.nodes().empty());
}

// etcd restores leases with a fresh TTL when it restarts: after a read,
// a node counts only once it writes something after that read.
TEST(ClusterView, OnlyNodesThatShowLifeAfterARead) {
  cluster::ClusterView v("ns1");
  const std::string t = cluster::targetKey("sstp", "198.18.1.10", 443);
  v.clear(100);  // the read happened at revision 100
  ASSERT_TRUE(v.apply("nodes/ns2", R"({"config_digest":"abc"})", 40, false));
  ASSERT_TRUE(v.apply("obs/ns2/" + t, obs("Online"), 41, false));
  EXPECT_TRUE(v.others(t).empty()) << "stale keys from before the read do not count";
  ASSERT_EQ(v.nodes().size(), 1u);
  EXPECT_FALSE(v.nodes()[0].live);
  EXPECT_EQ(v.observations(t).size(), 1u) << "shown, though not counted";
  // Its heartbeat after the read: alive, and its observation counts.
  ASSERT_TRUE(v.apply("nodes/ns2", R"({"config_digest":"abc"})", 101, false));
  EXPECT_EQ(v.others(t), (std::vector<Health>{Health::online}));
  EXPECT_TRUE(v.nodes()[0].live);
  // So does a fresh observation from a node whose key is older.
  ASSERT_TRUE(v.apply("nodes/ns3", R"({"config_digest":"abc"})", 50, false));
  ASSERT_TRUE(v.apply("obs/ns3/" + t, obs("Degraded"), 102, false));
  EXPECT_EQ(v.others(t).size(), 2u);
}

// Values of the wrong type or size, and keys that are not names, are
// ignored with a reason; nothing throws.
TEST(ClusterView, WronglyTypedValuesAndKeysAreIgnored) {
  cluster::ClusterView v("ns1");
  const std::string t = cluster::targetKey("sstp", "198.18.1.10", 443);
  int64_t rev = 0;
  for (const char* bad : {R"({"config_digest":1})", R"({"version":[]})", R"({"admin_digest":{}})", "[]", "1",
                          "\"x\"", "null", R"({"config_digest":"a\u0001b"})"}) {
    auto r = v.apply("nodes/evil", bad, ++rev, false);
    EXPECT_FALSE(r) << bad;
  }
  EXPECT_TRUE(v.nodes().empty());
  EXPECT_FALSE(v.apply("nodes/", "{}", ++rev, false));
  EXPECT_FALSE(v.apply("nodes/\xff", "{}", ++rev, false));
  EXPECT_FALSE(v.apply("nodes/" + std::string(64, 'a'), "{}", ++rev, false));
  EXPECT_FALSE(v.apply("nodes/a/b", "{}", ++rev, false));
  EXPECT_FALSE(v.apply("nodes/big", "{\"version\":\"" + std::string(5000, 'x') + "\"}", ++rev, false));
  EXPECT_TRUE(v.nodes().empty());
  ASSERT_TRUE(v.apply("nodes/ns2", "{}", ++rev, false));
  for (const char* bad : {R"({"state":1})", R"({"state":null})", R"({"state":"Online","reason":5})"}) {
    auto r = v.apply("obs/ns2/" + t, bad, ++rev, false);
    // A reason of another type is no business of the view: only the state counts.
    if (std::string(bad).find("reason") != std::string::npos)
      EXPECT_TRUE(r) << bad;
    else
      EXPECT_FALSE(r) << bad;
  }
  EXPECT_FALSE(v.apply("obs/\xff/" + t, obs("Online"), ++rev, false));
  EXPECT_FALSE(v.apply("obs/ns2/sstp|not-an-address|443", obs("Online"), ++rev, false));
  EXPECT_FALSE(v.apply("obs/ns2/sstp|198.18.1.10|70000", obs("Online"), ++rev, false));
  EXPECT_FALSE(v.apply("obs/ns2/sstp|198.18.1.10|", obs("Online"), ++rev, false));
  EXPECT_FALSE(v.apply("obs/ns2/s\xffp|198.18.1.10|443", obs("Online"), ++rev, false));
  // A bad value where a good one was: the good one is forgotten.
  ASSERT_TRUE(v.apply("obs/ns2/" + t, obs("Degraded"), ++rev, false));
  EXPECT_EQ(v.others(t).size(), 1u);
  EXPECT_FALSE(v.apply("obs/ns2/" + t, R"({"state":true})", ++rev, false));
  EXPECT_TRUE(v.others(t).empty());
}

}  // namespace
}  // namespace gtm::test
