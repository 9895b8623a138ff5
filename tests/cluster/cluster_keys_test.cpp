// The decoders of what a node reads under its etcd prefix: admin keys,
// target keys, and the bounded UTF-8 that reasons are cut to.
#include "cluster/cluster_keys.hpp"

#include <gtest/gtest.h>

#include "common/utf8.hpp"

namespace gtm::test {
namespace {

TEST(ClusterKeys, Families) {
  using cluster::KeyFamily;
  EXPECT_EQ(cluster::keyFamily("nodes/ns1"), KeyFamily::node);
  EXPECT_EQ(cluster::keyFamily("obs/ns1/t"), KeyFamily::observation);
  EXPECT_EQ(cluster::keyFamily("admin/a/b"), KeyFamily::admin);
  EXPECT_EQ(cluster::keyFamily("serial"), KeyFamily::serial);
  EXPECT_EQ(cluster::keyFamily("serials"), KeyFamily::other);
  EXPECT_EQ(cluster::keyFamily("something/else"), KeyFamily::other);
}

TEST(ClusterKeys, AdminKeysAndValues) {
  auto a = cluster::decodeAdmin("admin/aovpn/east", "disabled", false);
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->name, "aovpn/east");
  EXPECT_EQ(a->state, "disabled");
  auto gone = cluster::decodeAdmin("admin/aovpn/east", "", true);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->state, "enabled") << "a deleted override is no override";
  for (const char* key : {"admin/aovpn/\xff", "admin/aovpn", "admin//east", "admin/aovpn/east/x", "admin/a b/east"})
    EXPECT_FALSE(cluster::decodeAdmin(key, "disabled", false)) << key;
  for (const char* value : {"", "Disabled", "off", "disabled\n", "{\"state\":\"Disabled\"}", "{\"state\":7}",
                            "{\"by\":\"alice\"}", "{\"state\":\"drained\",\"reason\":[]}", "{\"state\":\"drained\"",
                            "[\"drained\"]"})
    EXPECT_FALSE(cluster::decodeAdmin("admin/aovpn/east", value, false)) << value;
  // Who made it travels with the action.
  std::string value = cluster::encodeAdmin("drained", {"alice", "ns1", "192.0.2.7", "patching RRAS"});
  auto d = cluster::decodeAdmin("admin/aovpn/west", value, false);
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->state, "drained");
  EXPECT_EQ(d->actor.by, "alice");
  EXPECT_EQ(d->actor.node, "ns1");
  EXPECT_EQ(d->actor.client, "192.0.2.7");
  EXPECT_EQ(d->actor.reason, "patching RRAS");
  EXPECT_FALSE(cluster::decodeAdmin("admin/aovpn/west", cluster::encodeAdmin("drained", {"alice", "ns1", "", std::string(513, 'r')}), false))
      << "sizes are checked";
}

TEST(ClusterKeys, TargetKeys) {
  EXPECT_TRUE(cluster::isTargetKey("sstp|198.18.1.10|443"));
  EXPECT_TRUE(cluster::isTargetKey("ikev2|2001:db8::10|500"));
  for (const char* bad : {"", "sstp", "sstp|198.18.1.10", "sstp|x|443", "sstp|198.18.1.10|-1", "sstp|198.18.1.10|65536",
                          "sstp|198.18.1.10|44 3", "|198.18.1.10|443", "s\xffp|198.18.1.10|443"})
    EXPECT_FALSE(cluster::isTargetKey(bad)) << bad;
}

TEST(BoundedUtf8, CutsOnACharacterAndReplacesWhatIsNotUtf8) {
  EXPECT_EQ(boundedUtf8("short", 120), "short");
  EXPECT_EQ(boundedUtf8("a\xff" "b", 120), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(boundedUtf8(std::string(200, 'x'), 10), "xxxxxxx...");
  // 'é' is two bytes: a cut never splits it.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
  for (size_t max : {8u, 9u, 10u, 11u, 117u, 120u}) {
    std::string out = boundedUtf8(accents, max);
    EXPECT_LE(out.size(), max);
    EXPECT_TRUE(validUtf8(out)) << max;
  }
  // Exactly the bound: kept whole.
  EXPECT_EQ(boundedUtf8(std::string(10, 'x'), 10), std::string(10, 'x'));
}

}  // namespace
}  // namespace gtm::test
