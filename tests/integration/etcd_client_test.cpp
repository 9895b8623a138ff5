// The etcd v3 JSON gateway client against Debian's etcd, started here:
// leases, put and range under a prefix, a watch that sees puts, deletes and
// a lease's expiry, moving to the next endpoint when one is down,
// compare-and-put, HTTPS with client certificates, and etcd's user
// authentication (with a token that etcd forgets on restart).
#include "cluster/etcd_client.hpp"
#include "common/base64.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/support/etcd.hpp"

namespace gtm::test {
namespace {

cluster::EtcdSettings settingsFor(std::vector<std::string> urls) {
  cluster::EtcdSettings s;
  s.endpoints = std::move(urls);
  s.timeout = std::chrono::milliseconds(1000);
  return s;
}

TEST(EtcdEncoding, Base64AndPrefixEnd) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "/gtm/obs/ns1/sstp|198.18.1.10|443",
                                                      std::string("\0\xff", 2)})
    EXPECT_EQ(base64Decode(base64Encode(s)).value_or(""), s);
  EXPECT_FALSE(base64Decode(""));
  EXPECT_FALSE(base64Decode("abc"));
  EXPECT_FALSE(base64Decode("ab!="));
  EXPECT_FALSE(base64Decode("a=bc"));
  EXPECT_EQ(base64Decode("YQ==").value_or(""), "a");
  EXPECT_EQ(base64Encode("/gtm/"), "L2d0bS8=");
  EXPECT_EQ(cluster::prefixEnd("/gtm/"), "/gtm0");
  EXPECT_EQ(cluster::prefixEnd(std::string("a\xff", 2)), "b");
}

TEST(EtcdClient, LeasesRangeWatchAndExpiry) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  auto etcd = Etcd::start();
  // The first endpoint is down: the client moves to the next.
  cluster::EtcdClient c(settingsFor({"http://127.0.0.1:" + std::to_string(freePort()), etcd->url()}));
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
  cluster::EtcdClient writer(settingsFor({etcd->url()}));
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

TEST(EtcdClient, PutIfWritesOnlyOverTheRevisionItSaw) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  auto etcd = Etcd::start();
  cluster::EtcdClient c(settingsFor({etcd->url()}));
  auto created = c.putIf("/gtm/serial", "a", 0);
  ASSERT_TRUE(created) << created.error();
  EXPECT_TRUE(*created);
  auto again = c.putIf("/gtm/serial", "b", 0);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "the key exists: a create must fail";
  auto range = c.rangePrefix("/gtm/serial");
  ASSERT_TRUE(range && range->kvs.size() == 1);
  EXPECT_EQ(range->kvs[0].value, "a");
  auto stale = c.putIf("/gtm/serial", "c", range->kvs[0].mod_revision - 1);
  ASSERT_TRUE(stale);
  EXPECT_FALSE(*stale);
  auto swapped = c.putIf("/gtm/serial", "d", range->kvs[0].mod_revision);
  ASSERT_TRUE(swapped);
  EXPECT_TRUE(*swapped);
  EXPECT_EQ(c.rangePrefix("/gtm/serial")->kvs[0].value, "d");
}

// Puts a key, reads it back and sees a change through a watch.
void expectWorks(cluster::EtcdClient& c, const std::string& key) {
  ASSERT_TRUE(c.put(key, "1")) << "put";
  auto range = c.rangePrefix(key);
  ASSERT_TRUE(range) << range.error();
  ASSERT_EQ(range->kvs.size(), 1u);
  std::atomic<bool> seen{false};
  std::thread watcher([&] {
    (void)c.watchPrefix(key, range->revision + 1, [&](const cluster::WatchEvent& e) {
      if (e.kv.value == "2") seen = true;
    });
  });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!seen && std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(c.put(key, "2"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  c.stopWatch();
  watcher.join();
  EXPECT_TRUE(seen) << "the watch saw no change";
}

TEST(EtcdClient, HttpsWithClientCertificates) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  auto etcd = Etcd::startTls();
  auto s = settingsFor({etcd->url()});
  s.ca_pem = etcd->ca();
  s.cert_pem = etcd->clientCert();
  s.key_pem = etcd->clientKey();
  cluster::EtcdClient c(s);
  ASSERT_TRUE(c.usable());
  auto lease = c.grantLease(5);
  ASSERT_TRUE(lease) << lease.error() << etcd->log();
  expectWorks(c, "/gtm/tls");

  // Without a client certificate etcd refuses the handshake.
  auto anonymous = s;
  anonymous.cert_pem.clear();
  anonymous.key_pem.clear();
  EXPECT_FALSE(cluster::EtcdClient(anonymous).put("/gtm/x", "1"));
  // A member whose certificate another CA signed is not trusted.
  auto other = s;
  other.ca_pem = Etcd::startTls()->ca();
  auto refused = cluster::EtcdClient(other).put("/gtm/x", "1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("certificate verify failed"), std::string::npos) << refused.error();
  // A key that is not PEM is said at once.
  auto broken = s;
  broken.key_pem = "not a key";
  EXPECT_FALSE(cluster::EtcdClient(broken).usable());
}

TEST(EtcdClient, AuthenticatesAndAgainAfterTheTokenIsGone) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  auto etcd = Etcd::start();
  etcd->enableAuth("gtm", "gtm-pw", "/gtm/");
  auto s = settingsFor({etcd->url()});
  s.username = "gtm";
  s.password = "gtm-pw";
  cluster::EtcdClient c(s);
  auto lease = c.grantLease(5);
  ASSERT_TRUE(lease) << lease.error() << etcd->log();
  ASSERT_TRUE(c.put("/gtm/nodes/ns1", "{}", *lease));
  expectWorks(c, "/gtm/auth");
  // Outside the user's prefix: refused.
  EXPECT_FALSE(c.put("/other/key", "1"));
  // A restarted etcd has forgotten every simple token: the client logs in again.
  etcd->stop();
  etcd->restart();
  auto after = c.put("/gtm/auth", "3");
  EXPECT_TRUE(after) << after.error();
  // Without a user, and with a wrong password: refused.
  EXPECT_FALSE(cluster::EtcdClient(settingsFor({etcd->url()})).put("/gtm/x", "1"));
  s.password = "wrong";
  auto wrong = cluster::EtcdClient(s).put("/gtm/x", "1");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("authentication failed"), std::string::npos) << wrong.error();
}

}  // namespace
}  // namespace gtm::test
