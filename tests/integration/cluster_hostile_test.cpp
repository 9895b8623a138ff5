// What another machine writes under the cluster's etcd prefix (Debian's
// etcd, started here) cannot stop or confuse a node: wrongly typed values
// and non-UTF-8 keys in every key family, before the nodes start and while
// they run; a garbage serial; the prefix deleted under running nodes; an
// admin key deleted; megabytes of other keys under the prefix. And what
// the nodes share stays right: observations of a target a reload removed
// are withdrawn; Full (an RRAS out of SSTP ports) is agreed as Full; a node
// killed while etcd was down is not counted after etcd returns.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/etcd_client.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

bool hasMetric(uint16_t status_port, const std::string& line) {
  return curlGet(status_port, "/metrics").find(line + "\n") != std::string::npos;
}

double metricValue(uint16_t status_port, const std::string& name) {
  std::string m = curlGet(status_port, "/metrics");
  size_t at = m.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(m.substr(at + name.size() + 2));
}

// A key with a byte that is not UTF-8, as the shell writes it.
std::string notUtf8(const std::string& before) { return "\"$(printf '" + before + "\\377')\""; }

// A TCP proxy on 127.0.0.1 to `to_port` that holds every chunk `delay`
// before passing it on, each way: a slow link to etcd.
class DelayProxy {
 public:
  DelayProxy(uint16_t to_port, std::chrono::milliseconds delay) : to_port_(to_port), delay_(delay) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(0);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd_, 64) == 0;
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    threads_.emplace_back([this] { accept(); });
  }
  ~DelayProxy() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    ::close(fd_);
  }
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
  }
  void accept() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in to = loopback(to_port_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      auto pair = std::make_shared<std::pair<int, int>>(client, server);
      std::lock_guard lock(mutex_);
      pumps_.emplace_back([this, pair] { pump(pair->first, pair->second, pair); });
      pumps_.emplace_back([this, pair] { pump(pair->second, pair->first, pair); });
    }
    std::lock_guard lock(mutex_);
    for (auto& t : pumps_) t.join();
  }
  void pump(int from, int to, std::shared_ptr<std::pair<int, int>> pair) {
    char buf[65536];
    while (!stop_) {
      pollfd p{from, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      ssize_t n = ::recv(from, buf, sizeof buf, 0);
      if (n <= 0) break;
      std::this_thread::sleep_for(delay_);
      if (::send(to, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
    }
    ::shutdown(to, SHUT_WR);
    (void)pair;  // both ends close with the last pump
  }

  uint16_t to_port_;
  std::chrono::milliseconds delay_;
  int fd_ = -1;
  uint16_t port_ = 0;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::thread> threads_, pumps_;
};

class ClusterHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
    for (const char* tool : {"curl", "dig"})
      if (!haveCommand(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps.sh test)";
    etcd_ = Etcd::start();
    sstp_port_ = freePort();
    dir_ = makeTempDir();
    writeFile(dir_, "token", "cluster-token\n");
  }
  // Puts a value; `key` and `value` as the shell reads them.
  void put(const std::string& key, const std::string& value) {
    auto r = run(etcd_->ctl() + " put -- " + key + " " + value);
    ASSERT_EQ(r.exit_code, 0) << key << ": " << r.output;
  }
  std::string get(const std::string& key) { return run(etcd_->ctl() + " get --print-value-only " + key).output; }
  std::string config(const std::string& agreement, const std::string& profile, const std::string& node) {
    std::string text = "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[cluster]\netcd = [\"" + etcd_->url() +
                       "\"]\nlease_ttl = 3\nagreement = \"" + agreement + "\"\n\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\ntoken_file = \"" +
                       dir_ + "/token\"\nstate_file = \"" + dir_ + "/admin-" + node + ".json\"\n\n" + minimalZone() + profile;
    return text;
  }
  std::unique_ptr<GtmProcess> node(const std::string& name, const std::string& agreement = "majority",
                                   const std::string& profile = "") {
    return GtmProcess::serve(config(agreement, profile.empty() ? twoSiteSstpProfile(sstp_port_) : profile, name),
                             {"--node", name});
  }
  std::unique_ptr<ChildProcess> site(const std::string& address, const std::string& mode = "rras") {
    return ChildProcess::start(
        {SSTP_TEST_SERVER, "--listen", address + ":" + std::to_string(sstp_port_), "--mode", mode}, "listening");
  }
  // The node answers DNS and its status API answers a JSON document.
  static void expectAlive(GtmProcess& n, const char* when) {
    EXPECT_TRUE(n.running()) << when << "\n" << n.log();
    EXPECT_FALSE(firstAnswer(n.port()).empty()) << when << "\n" << n.log();
    nlohmann::json status;
    EXPECT_GE(within(10,
                     [&] {
                       status = nlohmann::json::parse(curlGet(n.port2(), "/api/v1/status"), nullptr, false);
                       return status.is_object() && status.contains("cluster");
                     }),
              0)
        << when << "\n" << n.log();
  }

  std::unique_ptr<Etcd> etcd_;
  uint16_t sstp_port_ = 0;
  std::string dir_;
};

// Every key family, wrongly typed and with keys that are not UTF-8, present
// when the nodes start and written again while they run.
TEST_F(ClusterHostile, BadValuesUnderEveryKeyFamilyNeitherStopNorConfuseNodes) {
  auto east = site("127.0.10.10");
  auto west = site("127.0.20.10");
  const std::string target = "'/gtm/obs/ns2/sstp|127.0.10.10|" + std::to_string(sstp_port_) + "'";
  auto hostile = [&] {
    put("/gtm/nodes/evil", "'{\"config_digest\":1}'");
    put("/gtm/nodes/list", "'[1,2,3]'");
    put(notUtf8("/gtm/nodes/"), "'{}'");
    put("/gtm/nodes/huge", "'{\"version\":\"" + std::string(6000, 'v') + "\"}'");
    put("/gtm/obs/evil/x", "garbage");
    put(notUtf8("/gtm/obs/evil/sstp|127.0.10.10|443"), "'{\"state\":\"Degraded\"}'");
    put(target, "'{\"state\":1}'");  // ns2's own key, before ns2 writes it
    put(notUtf8("/gtm/admin/aovpn/"), "disabled");
    put("/gtm/admin/aovpn/east", "bogus");
    put("/gtm/admin/aovpn", "disabled");
    put("/gtm/serial", "garbage");
  };
  hostile();
  auto ns1 = node("ns1");
  auto ns2 = node("ns2");
  ASSERT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 5), 0) << ns1->log();
  ASSERT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 5), 0) << ns2->log();
  EXPECT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_connected 1"); }), 0) << ns1->log();
  EXPECT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_nodes 2"); }), 0) << ns1->log();
  expectAlive(*ns1, "garbage present at start");
  expectAlive(*ns2, "garbage present at start");
  EXPECT_GE(metricValue(ns1->port2(), "gtm_cluster_ignored_values_total"), 9) << curlGet(ns1->port2(), "/metrics");
  EXPECT_NE(ns1->log().find("a value under the prefix was ignored"), std::string::npos) << ns1->log();
  // The garbage serial was overwritten with one that reads.
  EXPECT_GE(within(5, [&] { return get("/gtm/serial").find("\"digest\"") != std::string::npos; }), 0)
      << get("/gtm/serial");
  // "bogus" for east is no override: east still answers.
  EXPECT_EQ(firstAnswer(ns2->port()), "127.0.10.10");

  // The same again while they run, and both still answer and agree.
  hostile();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  expectAlive(*ns1, "garbage written while running");
  expectAlive(*ns2, "garbage written while running");
  auto disable = run(kGtm + " endpoint disable aovpn/east --config " + ns1->configPath());
  ASSERT_EQ(disable.exit_code, 0) << disable.output << ns1->log();
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 2), 0) << ns2->log();
  EXPECT_EQ(firstAnswer(ns1->port()), "127.0.20.10") << "applied on the node that wrote it once it returns";

  // An admin key deleted with etcdctl: the override goes on every node.
  ASSERT_EQ(run(etcd_->ctl() + " del /gtm/admin/aovpn/east").exit_code, 0);
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 2), 0) << ns1->log();
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 2), 0) << ns2->log();

  // An override made while ns2 is away, then ns2 starts with its stale
  // state file: etcd is the truth, and ns2 follows it.
  ASSERT_EQ(run(kGtm + " endpoint disable aovpn/east --config " + ns1->configPath()).exit_code, 0);
  ASSERT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 2), 0);
  ns2.reset();
  ASSERT_EQ(run(etcd_->ctl() + " del /gtm/admin/aovpn/east").exit_code, 0);
  ns2 = node("ns2");
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 5), 0) << "the state file said disabled, etcd says enabled\n"
                                                                << ns2->log();
  auto cli = run(kGtm + " status --cluster --config " + ns1->configPath());
  EXPECT_EQ(cli.exit_code, 0) << cli.output;

  // The whole prefix deleted under running nodes: each writes its keys
  // again and counts the other.
  ASSERT_EQ(run(etcd_->ctl() + " del --prefix /gtm/").exit_code, 0);
  EXPECT_GE(within(5, [&] { return run(etcd_->ctl() + " get --keys-only --prefix /gtm/nodes/").output.find("ns2") !=
                                   std::string::npos; }),
            0)
      << ns2->log();
  EXPECT_GE(within(5, [&] { return get("/gtm/serial").find("\"digest\"") != std::string::npos; }), 0);
  EXPECT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_nodes 2"); }), 0) << ns1->log();
  expectAlive(*ns1, "prefix deleted");
  expectAlive(*ns2, "prefix deleted");
}

// 30 MB of other keys under the prefix: read in pages, the node joins.
TEST_F(ClusterHostile, ALargePrefixIsReadInPages) {
  auto east = site("127.0.10.10");
  std::string blob = writeFile(dir_, "blob", std::string(1000 * 1000, 'x'));
  for (int i = 0; i < 30; ++i) {
    auto r = run(etcd_->ctl() + " put /gtm/junk/" + std::to_string(i) + " < " + blob, 30);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto ns1 = node("ns1");
  double joined = within(60, [&] { return hasMetric(ns1->port2(), "gtm_cluster_connected 1"); });
  EXPECT_GE(joined, 0) << ns1->log();
  std::printf("30 MB under the prefix: joined %.2f s after start\n", joined);
  EXPECT_EQ(ns1->log().find("cannot be reached"), std::string::npos) << ns1->log();
  expectAlive(*ns1, "30 MB under the prefix");
}

// With agreement "any", an endpoint a reload removed on ns1 must not stay
// Degraded for ns2 by ns1's last word.
TEST_F(ClusterHostile, ObservationsOfRemovedTargetsAreWithdrawn) {
  auto east = site("127.0.10.10");
  auto west = site("127.0.20.10");
  auto ns1 = node("ns1", "any");
  auto ns2 = node("ns2", "any");
  ASSERT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 5), 0) << ns2->log();
  east->stop();
  ASSERT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 3), 0) << ns2->log();
  ASSERT_GE(waitForAnswer(ns1->port(), "127.0.20.10", 3), 0) << ns1->log();
  // ns1 reloads a config without east: it probes it no more.
  std::string without_east = twoSiteSstpProfile(sstp_port_);
  size_t at = without_east.find("  [[profile.endpoint]]\n  name = \"east\"");
  size_t end = without_east.find("  [[profile.endpoint]]", at + 5);
  ASSERT_NE(at, std::string::npos);
  without_east.erase(at, end - at);
  std::string text = config("any", without_east, "ns1");
  text.replace(text.find("{PORT}"), 6, std::to_string(ns1->port()));  // the running node's ports stay
  text.replace(text.find("{PORT2}"), 7, std::to_string(ns1->port2()));
  writeFile(dir_, "reload.toml", text);
  ASSERT_EQ(run("cp " + dir_ + "/reload.toml " + ns1->configPath() + " && kill -HUP " + std::to_string(ns1->pid())).exit_code, 0);
  EXPECT_GE(within(5, [&] { return ns1->log().find("reloaded") != std::string::npos; }), 0) << ns1->log();
  // east back: ns2 sees it up and, with nobody else saying otherwise, answers it.
  east = site("127.0.10.10");
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 4), 0)
      << "ns1's observation of the removed target still counts\n" << ns2->log();
  EXPECT_EQ(run(etcd_->ctl() + " get --keys-only --prefix '/gtm/obs/ns1/sstp|127.0.10.10'").output, "");
}

// An RRAS out of SSTP ports (503 to SSTP_DUPLEX_POST) on both nodes: the
// cluster agrees Full and answers the other site.
TEST_F(ClusterHostile, FullIsAgreedAsFull) {
  std::string profile = twoSiteSstpProfile(sstp_port_);
  profile.insert(profile.find("interval"), "sstp_mode = \"handshake\"\n");
  auto east = site("127.0.10.10", "full");
  auto west = site("127.0.20.10");
  auto ns1 = node("ns1", "majority", profile);
  auto ns2 = node("ns2", "majority", profile);
  EXPECT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_nodes 2"); }), 0) << ns1->log();
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.20.10", 5), 0) << ns1->log();
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 5), 0) << ns2->log();
  auto status = nlohmann::json::parse(curlGet(ns1->port2(), "/api/v1/status"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  auto check = status["profiles"][0]["endpoints"][0]["checks"][0];
  EXPECT_EQ(check["agreed"], "Full") << check.dump();
  // Both nodes published Full (the observation, not only the answer).
  const std::string key = "'/gtm/obs/ns2/sstp|127.0.10.10|" + std::to_string(sstp_port_) + "'";
  EXPECT_GE(within(3, [&] { return run(etcd_->ctl() + " get --print-value-only " + key).output.find("\"Full\"") !=
                                   std::string::npos; }),
            0)
      << run(etcd_->ctl() + " get --prefix /gtm/obs/").output;
}

// etcd down; site east dies and ns2 is killed meanwhile; etcd back: etcd
// restores ns2's keys with a fresh TTL, but ns2 shows no life, so ns1 does
// not count its stale "Online" and never answers the dead site.
TEST_F(ClusterHostile, ANodeKilledWhileEtcdWasDownDoesNotCountAfter) {
  auto east = site("127.0.10.10");
  auto west = site("127.0.20.10");
  auto ns1 = node("ns1");
  auto ns2 = node("ns2");
  ASSERT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_nodes 2"); }), 0) << ns1->log();
  ASSERT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 3), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // both have published Online for east
  etcd_->stop();
  ASSERT_GE(within(6, [&] { return hasMetric(ns1->port2(), "gtm_cluster_connected 0"); }), 0) << ns1->log();
  auto cli = run(kGtm + " status --cluster --config " + ns1->configPath());
  EXPECT_EQ(cli.exit_code, 1) << "not connected\n" << cli.output;
  east->stop();
  ::kill(ns2->pid(), SIGKILL);
  ASSERT_GE(waitForAnswer(ns1->port(), "127.0.20.10", 3), 0) << "local failover\n" << ns1->log();
  etcd_->restart();
  // For the next 5 s (past ns2's restored lease), ns1 never answers east.
  int east_answers = 0, samples = 0;
  bool reconnected = false;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5); std::chrono::steady_clock::now() < until;) {
    ++samples;
    east_answers += firstAnswer(ns1->port()) == "127.0.10.10";
    if (samples % 10 == 0) reconnected = reconnected || hasMetric(ns1->port2(), "gtm_cluster_connected 1");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(reconnected || hasMetric(ns1->port2(), "gtm_cluster_connected 1")) << ns1->log();
  EXPECT_EQ(east_answers, 0) << "of " << samples << " answers after etcd returned\n" << ns1->log();
}

// 10,000 admin overrides in etcd when a node joins: applied in bounded
// batches (one write of the state file each) while the lease, on its own
// thread, stays renewed.
TEST_F(ClusterHostile, TenThousandAdminKeysOnJoining) {
  auto east = site("127.0.10.10");
  auto west = site("127.0.20.10");
  std::string ops;
  for (int i = 0; i < 10000; ++i) {
    ops += "put /gtm/admin/aovpn/e" + std::to_string(i) + " disabled\n";
    if (i % 128 == 127 || i == 9999) {
      auto r = run("printf '\\n" + ops + "\\n\\n' | " + etcd_->ctl() + " txn", 20);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      ops.clear();
    }
  }
  put("/gtm/admin/aovpn/east", "disabled");
  auto began = std::chrono::steady_clock::now();
  auto ns1 = node("ns1");
  double joined = within(10, [&] { return hasMetric(ns1->port2(), "gtm_cluster_connected 1"); });
  EXPECT_GE(joined, 0) << ns1->log();
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.20.10", 5), 0) << "east disabled by etcd\n" << ns1->log();
  std::printf("10,001 admin keys: connected %.2f s after start\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  std::this_thread::sleep_for(std::chrono::seconds(4));  // past a lease TTL
  EXPECT_EQ(ns1->log().find("out of the cluster"), std::string::npos) << ns1->log();
  EXPECT_TRUE(hasMetric(ns1->port2(), "gtm_cluster_connected 1"));
  EXPECT_EQ(run("grep -c '\"disabled\"' " + dir_ + "/admin-ns1.json").output, "10001\n");
}

// Admin actions while the node reloads again and again: none is lost, and
// every node ends with etcd's state.
TEST_F(ClusterHostile, AdminActionsRacingReloads) {
  auto east = site("127.0.10.10");
  auto west = site("127.0.20.10");
  auto ns1 = node("ns1");
  auto ns2 = node("ns2");
  ASSERT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_nodes 2"); }), 0) << ns1->log();
  std::atomic<bool> done{false};
  std::thread reloads([&] {
    while (!done) {
      ::kill(ns2->pid(), SIGHUP);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });
  for (int i = 0; i < 10; ++i) {
    const char* action = i % 2 ? "enable" : "disable";
    auto r = run(kGtm + " endpoint " + action + " aovpn/east --config " + ns1->configPath());
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  ASSERT_EQ(run(kGtm + " endpoint disable aovpn/east --config " + ns1->configPath()).exit_code, 0);
  done = true;
  reloads.join();
  EXPECT_GE(waitForAnswer(ns2->port(), "127.0.20.10", 3), 0) << "the last action, disable, holds on ns2\n" << ns2->log();
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.20.10", 3), 0) << ns1->log();
  auto cli = run(kGtm + " status --cluster --config " + ns2->configPath());
  EXPECT_EQ(cli.exit_code, 0) << "admin state alike on both nodes\n" << cli.output;
}

// [[monitor]] source is each node's own probe address: nodes that differ
// there still run one config.
TEST_F(ClusterHostile, PerNodeSettingsAreNotInTheDigest) {
  auto east = site("127.0.10.10");
  auto west = site("127.0.20.10");
  std::string one = twoSiteSstpProfile(sstp_port_), two = one;
  one.insert(one.find("interval"), "source = \"127.0.0.1\"\n");
  two.insert(two.find("interval"), "source = \"127.0.0.2\"\n");
  auto ns1 = node("ns1", "majority", one);
  auto ns2 = node("ns2", "majority", two);
  ASSERT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_nodes 2"); }), 0) << ns1->log();
  EXPECT_TRUE(hasMetric(ns1->port2(), "gtm_cluster_config_mismatch 0")) << curlGet(ns1->port2(), "/api/v1/status");
}

// 300 targets that all change every 2 s, behind a link that adds 5 ms each
// way: the lease, renewed on its own thread, is never lost.
TEST_F(ClusterHostile, ThreeHundredTargetsOverASlowLink) {
  uint16_t etcd_port = static_cast<uint16_t>(std::stoi(etcd_->url().substr(etcd_->url().rfind(':') + 1)));
  DelayProxy proxy(etcd_port, std::chrono::milliseconds(5));
  ASSERT_TRUE(proxy.ok());
  uint16_t port = freePort();
  std::string profile = "\n[[monitor]]\nname = \"tcp\"\nprotocol = \"tcp\"\nport = " + std::to_string(port) +
                        "\ninterval = 0.5\ntimeout = 0.3\ntolerated_failures = 0\nrise = 1\n\n[[profile]]\nname = \"many\"\n"
                        "fqdn = \"many.vpn.example.com.\"\nrouting = \"multivalue\"\nmonitors = [\"tcp\"]\n";
  for (int i = 0; i < 300; ++i)
    profile += "  [[profile.endpoint]]\n  name = \"e" + std::to_string(i) + "\"\n  target = \"127.0." +
               std::to_string(1 + i / 200) + "." + std::to_string(1 + i % 200) + "\"\n";
  std::string text = config("majority", profile, "ns1");
  text.replace(text.find(etcd_->url()), etcd_->url().size(), "http://127.0.0.1:" + std::to_string(proxy.port()));
  text.replace(text.find("lease_ttl = 3"), 13, "lease_ttl = 5");
  auto ns1 = GtmProcess::serve(text, {"--node", "ns1"});
  ASSERT_GE(within(10, [&] { return hasMetric(ns1->port2(), "gtm_cluster_connected 1"); }), 0) << ns1->log();
  // Every 2 s all 300 targets flip: a listener on the port (every
  // 127.0.x.y reaches it) or none.
  std::atomic<bool> done{false};
  std::thread flipper([&] {
    while (!done) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
      ::listen(fd, 1024);
      for (int i = 0; i < 20 && !done; ++i) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) == 1)
          if (int c = ::accept(fd, nullptr, nullptr); c >= 0) ::close(c);
      }
      ::close(fd);
      for (int i = 0; i < 20 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  int connected = 0, samples = 0;
  for (; samples < 40; ++samples) {
    connected += hasMetric(ns1->port2(), "gtm_cluster_connected 1");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  done = true;
  flipper.join();
  std::printf("300 targets flipping every 2 s, 5 ms each way to etcd: connected in %d of %d samples\n", connected,
              samples);
  EXPECT_GE(connected, 38) << ns1->log().substr(0, 4000);
  EXPECT_EQ(ns1->log().find("out of the cluster"), std::string::npos) << ns1->log().substr(0, 4000);
  // What etcd holds follows: all 300 observations are there.
  auto keys = run(etcd_->ctl() + " get --keys-only --prefix /gtm/obs/ns1/ | grep -c tcp").output;
  EXPECT_EQ(keys, "300\n");
}

// A watch whose history is compacted away (the node could not read for a
// while: SIGSTOP, while 40 MB of changes went by and etcdctl compact ran)
// reads the prefix again and resumes, without leaving the cluster.
TEST_F(ClusterHostile, ACompactedWatchResumesWithoutLeaving) {
  auto east = site("127.0.10.10");
  auto west = site("127.0.20.10");
  std::string text = config("majority", twoSiteSstpProfile(sstp_port_), "ns1");
  text.replace(text.find("lease_ttl = 3"), 13, "lease_ttl = 30");
  auto ns1 = GtmProcess::serve(text, {"--node", "ns1"});
  ASSERT_GE(within(5, [&] { return hasMetric(ns1->port2(), "gtm_cluster_connected 1"); }), 0) << ns1->log();
  // Many revisions, fast (one kept-alive connection): more watch responses
  // than etcd buffers for a watcher that does not read.
  cluster::EtcdSettings settings;
  settings.endpoints = {etcd_->url()};
  cluster::EtcdClient writer(settings);
  const std::string value(20 * 1000, 'x');
  ::kill(ns1->pid(), SIGSTOP);
  // Bounded in time too (the lease lives 30 s): 2,000 puts take a few
  // seconds, more under the sanitizers.
  auto stop_until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 2000 && std::chrono::steady_clock::now() < stop_until; ++i) {
    auto r = writer.put("/gtm/junk/" + std::to_string(i % 8), value);
    if (!r) {
      ::kill(ns1->pid(), SIGCONT);
      FAIL() << r.error();
    }
  }
  auto revision = run(etcd_->ctl() + " get /gtm/junk/0 -w json").output;
  size_t at = revision.find("\"revision\":");
  ASSERT_NE(at, std::string::npos) << revision;
  std::string rev = revision.substr(at + 11, revision.find_first_of(",}", at) - at - 11);
  auto compacted = run(etcd_->ctl() + " compact " + rev);
  ::kill(ns1->pid(), SIGCONT);
  ASSERT_EQ(compacted.exit_code, 0) << compacted.output;
  // An admin action after the compaction still reaches the node.
  int connected = 0, samples = 0;
  for (; samples < 20; ++samples) {
    connected += hasMetric(ns1->port2(), "gtm_cluster_connected 1");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  auto disable = run(kGtm + " endpoint disable aovpn/east --config " + ns1->configPath());
  EXPECT_EQ(disable.exit_code, 0) << disable.output;
  EXPECT_GE(waitForAnswer(ns1->port(), "127.0.20.10", 3), 0) << ns1->log();
  EXPECT_EQ(connected, samples) << ns1->log();
  EXPECT_EQ(ns1->log().find("out of the cluster"), std::string::npos) << ns1->log();
  EXPECT_NE(ns1->log().find("reading the prefix again to resume the watch"), std::string::npos)
      << "etcd did not cancel the watch: the test did not reach its case\n" << ns1->log();
}

}  // namespace
}  // namespace gtm::test
