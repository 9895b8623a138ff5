// The shared SOA serial: adopted for the same config, published for a new
// one, and never written back in answer to another node's write.
#include "cluster/zone_serial.hpp"

#include <gtest/gtest.h>

namespace gtm::test {
namespace {

using cluster::SerialStep;
using cluster::serialStep;

TEST(ZoneSerial, JsonRoundTripAndGarbage) {
  auto s = cluster::parseSharedSerial(cluster::sharedSerialJson("0a1b2c3d4e5f6071", 1796000000), 42);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->digest, "0a1b2c3d4e5f6071");
  EXPECT_EQ(s->serial, 1796000000u);
  EXPECT_EQ(s->mod_revision, 42);
  for (const char* bad : {"", "[]", "{\"digest\":\"a\"}", "{\"digest\":1,\"serial\":2}",
                          "{\"digest\":\"a\",\"serial\":-1}", "{\"digest\":\"a\",\"serial\":4294967296}"})
    EXPECT_FALSE(cluster::parseSharedSerial(bad, 1)) << bad;
}

TEST(ZoneSerial, StepsForEachCase) {
  cluster::SharedSerial shared{"aaaa", 1000, 7};
  // Nothing in etcd yet: the first node to load publishes.
  EXPECT_EQ(serialStep(std::nullopt, "aaaa", 1200, true), SerialStep::publish);
  EXPECT_EQ(serialStep(std::nullopt, "aaaa", 1200, false), SerialStep::keep);
  // The same config: adopt the serial the others serve, whether it came by
  // the node's own load or by the watch.
  EXPECT_EQ(serialStep(shared, "aaaa", 1200, true), SerialStep::adopt);
  EXPECT_EQ(serialStep(shared, "aaaa", 1200, false), SerialStep::adopt);
  EXPECT_EQ(serialStep(shared, "aaaa", 1000, true), SerialStep::keep);
  // A new config loaded here: its serial is published; another node's new
  // config seen by the watch changes nothing here (no ping-pong).
  EXPECT_EQ(serialStep(shared, "bbbb", 1300, true), SerialStep::publish);
  EXPECT_EQ(serialStep(shared, "bbbb", 1300, false), SerialStep::keep);
}

}  // namespace
}  // namespace gtm::test
