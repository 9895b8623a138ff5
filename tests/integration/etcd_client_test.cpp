// The etcd v3 JSON gateway client against Debian's etcd, started here:
// leases, put and range under a prefix, a watch that sees puts, deletes and
// a lease's expiry, and moving to the next endpoint when one is down.
#include "cluster/etcd_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/support/etcd.hpp"

namespace gtm::test {
namespace {

TEST(EtcdEncoding, Base64AndPrefixEnd) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "/gtm/obs/ns1/sstp|198.18.1.10|443",
                                                      std::string("\0\xff", 2)})
    EXPECT_EQ(cluster::base64Decode(cluster::base64Encode(s)), s);
  EXPECT_EQ(cluster::base64Encode("/gtm/"), "L2d0bS8=");
  EXPECT_EQ(cluster::prefixEnd("/gtm/"), "/gtm0");
  EXPECT_EQ(cluster::prefixEnd(std::string("a\xff", 2)), "b");
}

TEST(EtcdClient, LeasesRangeWatchAndExpiry) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  auto etcd = Etcd::start();
  // The first endpoint is down: the client moves to the next.
  cluster::EtcdClient c({{"http://127.0.0.1:" + std::to_string(freePort()), etcd->url()}, std::chrono::milliseconds(1000)});
  auto lease = c.grantLease(2);
  ASSERT_TRUE(lease) << lease.error() << etcd->log();
  ASSERT_TRUE(c.put("/gtm/nodes/ns1", R"({"config_digest":"abc"})", *lease));
  ASSERT_TRUE(c.put("/gtm/obs/ns1/sstp|198.18.1.10|443", R"({"state":"Online"})", *lease));
  ASSERT_TRUE(c.put("/gtm/admin/aovpn/east", "disabled"));
  ASSERT_TRUE(c.put("/gtm0", "outside the prefix"));
  auto range = c.rangePrefix("/gtm/");
  ASSERT_TRUE(range) << range.error();
  ASSERT_EQ(range->kvs.size(), 3u);
  EXPECT_EQ(range->kvs[0].key, "/gtm/admin/aovpn/east");
  EXPECT_EQ(range->kvs[0].value, "disabled");
  EXPECT_EQ(range->kvs[1].lease, *lease);
  EXPECT_GT(range->revision, 0);

  // Watch from the revision after the range: every later change, in order.
  std::mutex m;
  std::condition_variable cv;
  std::vector<cluster::WatchEvent> events;
  Result<Ok> watch_result = Ok{};
  std::thread watcher([&] {
    watch_result = c.watchPrefix("/gtm/", range->revision + 1, [&](const cluster::WatchEvent& e) {
      std::lock_guard lock(m);
      events.push_back(e);
      cv.notify_all();
    });
  });
  auto waitFor = [&](size_t n, std::chrono::seconds limit) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, limit, [&] { return events.size() >= n; });
  };
  cluster::EtcdClient writer({{etcd->url()}, std::chrono::milliseconds(1000)});
  ASSERT_TRUE(writer.put("/gtm/admin/aovpn/east", "enabled"));
  ASSERT_TRUE(writer.remove("/gtm/admin/aovpn/east"));
  ASSERT_TRUE(waitFor(2, std::chrono::seconds(3)));
  {
    std::lock_guard lock(m);
    EXPECT_FALSE(events[0].deleted);
    EXPECT_EQ(events[0].kv.value, "enabled");
    EXPECT_TRUE(events[1].deleted);
    EXPECT_EQ(events[1].kv.key, "/gtm/admin/aovpn/east");
  }
  // Renewed, the lease holds; left alone, it expires within its TTL and
  // both of its keys go, which the watch sees.
  ASSERT_TRUE(c.keepAlive(*lease));
  auto left = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitFor(4, std::chrono::seconds(5))) << "the lease's keys did not go";
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - left).count();
  EXPECT_LT(seconds, 4.0);
  {
    std::lock_guard lock(m);
    EXPECT_TRUE(events[2].deleted && events[3].deleted);
  }
  EXPECT_FALSE(c.keepAlive(*lease)) << "an expired lease cannot be renewed";
  c.stopWatch();
  watcher.join();
  EXPECT_TRUE(watch_result) << watch_result.error();
}

}  // namespace
}  // namespace gtm::test
