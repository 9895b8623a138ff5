// The view of the other nodes built from etcd key events: live nodes only,
// leases that expire, unreadable values, config digests.
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
  v.put("nodes/ns1", R"({"config_digest":"abc","version":"0.1.0"})");
  v.put("nodes/ns2", R"({"config_digest":"abc","version":"0.1.0"})");
  v.put("nodes/ns3", R"({"config_digest":"xyz","version":"0.1.0"})");
  v.put("obs/ns1/" + t, obs("Degraded"));  // this node's own: never among the others
  v.put("obs/ns2/" + t, obs("Online"));
  v.put("obs/ns3/" + t, obs("Online"));
  v.put("obs/ns4/" + t, obs("Degraded"));  // no nodes/ns4 key: not a live node
  EXPECT_EQ(v.others(t), (std::vector<Health>{Health::online, Health::online}));
  // ns1's own Degraded against two Online: majority keeps the site up.
  EXPECT_EQ(cluster::agree(cluster::Agreement::majority, Health::degraded, v.others(t)), Health::online);
  EXPECT_EQ(v.configMismatch("abc"), (std::vector<std::string>{"ns3"}));
  EXPECT_EQ(v.nodes().size(), 3u);

  // ns2's lease expires: its node key goes (its observation too, in any order).
  v.remove("nodes/ns2");
  EXPECT_EQ(v.others(t), (std::vector<Health>{Health::online}));
  v.remove("obs/ns2/" + t);
  v.put("obs/ns3/" + t, obs("Degraded"));
  EXPECT_EQ(cluster::agree(cluster::Agreement::majority, Health::degraded, v.others(t)), Health::degraded);

  // A value that does not read as a state counts as no observation.
  v.put("obs/ns3/" + t, "{not json");
  EXPECT_TRUE(v.others(t).empty());
  v.put("obs/ns3/" + t, obs("Sideways"));
  EXPECT_TRUE(v.others(t).empty());
  // Other keys under the prefix are no business of the view.
  v.put("admin/aovpn/east", "disabled");
  v.put("obs/", obs("Online"));
  v.put("obs/ns3", obs("Online"));
  EXPECT_TRUE(v.others(t).empty());
  v.clear();
  EXPECT_TRUE(v.nodes().empty());
}

}  // namespace
}  // namespace gtm::test
