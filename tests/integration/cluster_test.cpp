// Two gtm serve nodes and one etcd member on loopback (Debian's etcd,
// started here) with two SSTP sites: an admin action on one node changes
// the other's answers within a second, a site that dies moves both, each
// node lists the other, and with etcd gone both keep answering and admin
// actions answer 503 until it returns. Over HTTPS with client certificates
// and etcd users, nodes with the same config serve the same SOA serial, and
// a reload publishes the new config's digest.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

TEST(Cluster, TwoNodesShareAdminStateAndKeepAnsweringWithoutEtcd) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps.sh test)";
  auto etcd = Etcd::start();
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  auto west = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.20.10:" + std::to_string(sstp_port)}, "listening");
  std::string dir = makeTempDir();
  writeFile(dir, "token", "cluster-token\n");
  // One file for both nodes, as a deployment would copy it; --node names each.
  std::string text = "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[cluster]\netcd = [\"" + etcd->url() +
                     "\"]\nlease_ttl = 3\n\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\ntoken_file = \"" + dir +
                     "/token\"\nstate_file = \"{STATE}\"\n\n" + minimalZone() + twoSiteSstpProfile(sstp_port);
  text.replace(text.find("{STATE}"), 7, dir + "/admin.json");
  auto node = [&](const char* name) { return GtmProcess::serve(text, {"--node", name}); };
  auto ns1 = node("ns1");
  auto ns2 = node("ns2");
  ASSERT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 3), 0) << ns1->log();
  ASSERT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 3), 0) << ns2->log();

  // Each node says which it is: id.server and hostname.bind in class CH,
  // and the EDNS NSID option (RFC 5001).
  if (haveCommand("dig")) {
    std::string at = " @127.0.0.1 -p " + std::to_string(ns2->port());
    EXPECT_EQ(run("dig +short CH TXT id.server" + at).output, "\"ns2\"\n");
    EXPECT_EQ(run("dig +short CH TXT hostname.bind" + at).output, "\"ns2\"\n");
    EXPECT_NE(run("dig +nsid aovpn.vpn.example.com" + at).output.find("NSID: 6e 73 32 (\"ns2\")"), std::string::npos)
        << run("dig +nsid aovpn.vpn.example.com" + at).output;
  }

  // Each node lists both, with the same config digest.
  nlohmann::json status;
  for (int i = 0; i < 50; ++i) {
    status = nlohmann::json::parse(curlGet(ns2->port2(), "/api/v1/status"), nullptr, false);
    if (status.is_object() && status.contains("cluster") && status["cluster"]["nodes"].size() == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(status.is_object() && status.contains("cluster")) << status.dump();
  EXPECT_EQ(status["cluster"]["node"], "ns2");
  EXPECT_TRUE(status["cluster"]["connected"].get<bool>());
  EXPECT_EQ(status["cluster"]["nodes"].size(), 2u) << status.dump();
  EXPECT_TRUE(status["cluster"]["config_mismatch"].empty()) << status.dump();
  // Each check shows every node's observation next to the agreed state.
  nlohmann::json check;
  for (int i = 0; i < 30; ++i) {
    status = nlohmann::json::parse(curlGet(ns2->port2(), "/api/v1/status"), nullptr, false);
    check = status["profiles"][0]["endpoints"][0]["checks"][0];
    if (check.contains("nodes") && check["nodes"] == nlohmann::json({{"ns1", "Online"}, {"ns2", "Online"}})) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(check["nodes"], nlohmann::json({{"ns1", "Online"}, {"ns2", "Online"}})) << check.dump();
  EXPECT_EQ(check["agreed"], "Online");
  EXPECT_NE(curlGet(ns1->port2(), "/metrics").find("gtm_cluster_connected 1"), std::string::npos);
  auto cli = run(kGtm + " status --cluster --config " + ns1->configPath());
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("cluster: node ns1, connected to etcd, agreement majority"), std::string::npos) << cli.output;
  EXPECT_NE(cli.output.find("  ns2  0.1.0  config "), std::string::npos) << cli.output;

  // An admin drain through ns1 reaches ns2's answers within a second.
  auto disable = run(kGtm + " endpoint disable aovpn/east --config " + ns1->configPath());
  ASSERT_EQ(disable.exit_code, 0) << disable.output << ns1->log();
  double moved = waitForAnswer(ns2->port(), "127.0.20.10", 3);
  EXPECT_GE(moved, 0) << ns2->log();
  EXPECT_LT(moved, 1.0);
  ASSERT_EQ(run(kGtm + " endpoint enable aovpn/east --config " + ns2->configPath()).exit_code, 0);
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 2), 0) << ns1->log();

  // East really dies: both nodes see it, both move (majority of two).
  east->stop();
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.20.10", 3), 0) << ns1->log();
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 3), 0) << ns2->log();
  east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 3), 0) << ns1->log();
  // Two probe intervals: each node's own view of east is Online again (one
  // node seeing it up is a tie of two, which already answers east).
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));

  // etcd goes: answers go on, local failover still works, admin actions
  // answer 503 and change nothing.
  etcd->stop();
  for (int i = 0; i < 60 && curlGet(ns1->port2(), "/metrics").find("gtm_cluster_connected 0") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(curlGet(ns1->port2(), "/metrics").find("gtm_cluster_connected 0"), std::string::npos) << ns1->log();
  EXPECT_EQ(firstAnswer(ns1->port()), "127.0.10.10") << curlGet(ns1->port2(), "/api/v1/status") << ns1->log();
  auto refused = run(kGtm + " endpoint disable aovpn/east --config " + ns1->configPath());
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("503"), std::string::npos) << refused.output;
  EXPECT_EQ(firstAnswer(ns1->port()), "127.0.10.10") << "nothing changed";
  east->stop();
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 3), 0) << "local failover without etcd\n" << ns2->log();

  // etcd returns: the nodes rejoin.
  etcd->restart();
  for (int i = 0; i < 100 && curlGet(ns1->port2(), "/metrics").find("gtm_cluster_connected 1") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(curlGet(ns1->port2(), "/metrics").find("gtm_cluster_connected 1"), std::string::npos) << ns1->log();
  for (int i = 0; i < 50 && curlGet(ns1->port2(), "/metrics").find("gtm_cluster_nodes 2") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(curlGet(ns1->port2(), "/metrics").find("gtm_cluster_nodes 2"), std::string::npos);

  // ns2 dies without a word (SIGKILL): its lease runs out and it leaves
  // ns1's count within lease_ttl (3 s here).
  auto killed = std::chrono::steady_clock::now();
  ::kill(ns2->pid(), SIGKILL);
  for (int i = 0; i < 60 && curlGet(ns1->port2(), "/metrics").find("gtm_cluster_nodes 1") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  double gone = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_NE(curlGet(ns1->port2(), "/metrics").find("gtm_cluster_nodes 1"), std::string::npos) << ns1->log();
  // etcd expires a lease within half a second of its TTL; the rest is
  // slack for a loaded machine (4.4 s seen under ASan on 2 busy cores).
  EXPECT_LT(gone, 3.0 + 2.0) << "lease_ttl plus slack";
}

// The zone's SOA serial as `dig` shows it, or "" when it does not answer.
std::string soaSerial(uint16_t port) {
  auto r = run("dig +short +time=1 +tries=1 SOA vpn.example.com @127.0.0.1 -p " + std::to_string(port));
  std::istringstream in(r.output);
  std::string mname, rname, serial;
  in >> mname >> rname >> serial;
  return serial;
}

// Polls `f` every 100 ms until it returns true, for at most `seconds`.
template <class F>
bool eventually(F f, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!f()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

TEST(Cluster, SecuredEtcdOneSerialAndTheDigestFollowsReloads) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("curl") || !haveCommand("dig")) GTEST_SKIP() << "curl and dig are needed (scripts/install-deps.sh test)";
  auto etcd = Etcd::startTls();
  etcd->enableAuth("gtm", "gtm-pw", "/gtm/");
  std::string dir = makeTempDir();
  writeFile(dir, "etcd-password", "gtm-pw\n");
  writeFile(dir, "token", "cluster-token\n");
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  std::string d = etcd->dir();
  std::string text = "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[cluster]\netcd = [\"" + etcd->url() +
                     "\"]\nlease_ttl = 3\nca_file = \"" + d + "/ca.pem\"\ncert_file = \"" + d +
                     "/client.pem\"\nkey_file = \"" + d + "/client.key\"\nusername = \"gtm\"\npassword_file = \"" +
                     dir + "/etcd-password\"\n\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\ntoken_file = \"" + dir +
                     "/token\"\n\n" + minimalZone() +
                     twoSiteSstpProfile(sstp_port);
  auto ns1 = GtmProcess::serve(text, {"--node", "ns1"});
  ASSERT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 3), 0) << ns1->log();
  ASSERT_TRUE(eventually([&] { return curlGet(ns1->port2(), "/metrics").find("gtm_cluster_connected 1") != std::string::npos; }, 5))
      << ns1->log() << etcd->log();
  // ns2 starts with the same config more than a second later: its own
  // clock would give another serial, and it serves ns1's.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto ns2 = GtmProcess::serve(text, {"--node", "ns2"});
  ASSERT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 3), 0) << ns2->log();
  std::string serial = soaSerial(ns1->port());
  ASSERT_FALSE(serial.empty()) << ns1->log();
  EXPECT_TRUE(eventually([&] { return soaSerial(ns2->port()) == serial; }, 3))
      << soaSerial(ns2->port()) << " vs " << serial << "\n" << ns2->log();

  // The admin path works over TLS and etcd's users as over plain HTTP.
  ASSERT_EQ(run(kGtm + " endpoint disable aovpn/east --config " + ns1->configPath()).exit_code, 0) << ns1->log();
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 3), 0) << ns2->log();

  // ns1 reloads a changed zone: a new serial, and ns2 sees ns1's new
  // digest differ from its own; once ns2 has the same file, one serial again.
  auto addRecord = [&](const GtmProcess& p) {
    std::ifstream in(p.configPath());
    std::string changed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    changed.replace(changed.find("records = ["), 11, "records = [ { name = \"new\", type = \"A\", data = \"192.0.2.7\" },");
    std::string at = p.configPath().substr(0, p.configPath().rfind('/'));
    writeFile(at, "next.toml", changed);
    ASSERT_EQ(::rename((at + "/next.toml").c_str(), p.configPath().c_str()), 0);
  };
  addRecord(*ns1);
  ASSERT_TRUE(eventually([&] { return soaSerial(ns1->port()) != serial && !soaSerial(ns1->port()).empty(); }, 5))
      << ns1->log();
  std::string next = soaSerial(ns1->port());
  EXPECT_GT(std::stoull(next), std::stoull(serial));
  EXPECT_TRUE(eventually([&] { return curlGet(ns2->port2(), "/metrics").find("gtm_cluster_config_mismatch 1") != std::string::npos; }, 3))
      << curlGet(ns2->port2(), "/api/v1/status");
  EXPECT_EQ(soaSerial(ns2->port()), serial) << "ns2 still serves the old config";
  addRecord(*ns2);
  EXPECT_TRUE(eventually([&] { return soaSerial(ns2->port()) == next; }, 5)) << soaSerial(ns2->port()) << " vs " << next
                                                                              << "\n" << ns2->log();
  EXPECT_TRUE(eventually([&] { return curlGet(ns2->port2(), "/metrics").find("gtm_cluster_config_mismatch 0") != std::string::npos; }, 3))
      << curlGet(ns2->port2(), "/api/v1/status");
  EXPECT_EQ(soaSerial(ns1->port()), next) << "the first node to load a config keeps its serial";
}

}  // namespace
}  // namespace gtm::test
