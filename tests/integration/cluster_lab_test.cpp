// Three gtm nodes and a three-member etcd cluster, in network namespaces the
// test builds (root only), two VPN sites with SSTP and IKEv2 stand-ins:
//
//   n1 198.18.51.2 (gtm ns1 + etcd e1) --+               +-- site A 198.18.61.10
//   n2 198.18.52.2 (gtm ns2 + etcd e2) --+-- core ------+   (charon, SSTP)
//   n3 198.18.53.2 (gtm ns3 + etcd e3) --+  (router)     +-- site B 198.18.62.10
//
// Each node lists its own etcd member first, as a deployment would. Queries
// and admin commands come from the core namespace. The cases are those of
// the cluster issue: an admin drain anywhere moves every node within a
// second; one node that alone loses its path to site A moves nobody
// (majority); site A dying moves all three; one etcd member killed changes
// nothing; a node's own member cut off from the others (the node follows the
// majority elsewhere); a node and its member in a minority partition (it
// answers by its own view, the others count it out); all members killed,
// every node answers and fails over by itself, admin actions answer 503;
// etcd back, the nodes converge; a node killed leaves the others' count
// within lease_ttl; one SOA serial; id.server names the node.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/charon.hpp"
#include "tests/support/gtm_process.hpp"

namespace gtm::test {
namespace {

const std::string kSiteA = "198.18.61.10", kSiteB = "198.18.62.10";
// Monitors: a probe every 0.5 s, no failure tolerated; one node alone
// would fail over within interval x (tolerated + 1) + timeout = 0.8 s.
constexpr double kSingleNodeBound = 0.5 * 1 + 0.3;

std::string hostAddress(int i) { return "198.18.5" + std::to_string(i) + ".2"; }

// The ETCD_* lines of the /etc/default/etcd block in docs/cluster.md.
std::vector<std::pair<std::string, std::string>> documentedEtcdSettings() {
  std::ifstream in(std::string(GTM_SOURCE_DIR) + "/docs/cluster.md");
  std::vector<std::pair<std::string, std::string>> out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    size_t start = line.find_first_not_of(' ');
    std::string text = start == std::string::npos ? "" : line.substr(start);
    if (text.starts_with("# /etc/default/etcd on e1")) inside = true;
    else if (inside && text.starts_with("```")) break;
    else if (inside && text.starts_with("ETCD_") && text.find('=') != std::string::npos) {
      size_t eq = text.find('=');
      std::string value = text.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      out.emplace_back(text.substr(0, eq), value);
    }
  }
  return out;
}

struct ClusterLab {
  NetNamespace core, a, b, n[3];
  std::unique_ptr<Charon> charon_a, charon_b;
  std::unique_ptr<ChildProcess> sstp_a, sstp_b;
  std::unique_ptr<ChildProcess> etcd[3], gtm[3];
  std::string dir = makeTempDir();
  std::string config_path[3];

  void sh(const std::string& cmd) {
    auto r = run(cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  }
  // A veth pair from `ns` (address addr.2) to the core (addr.1), routed.
  void attach(NetNamespace& ns, const std::string& net, const std::string& tag) {
    sh("ip link add " + tag + " netns " + ns.name() + " type veth peer name " + tag + "c netns " + core.name());
    sh(ns.exec() + "ip addr add " + net + ".2/24 dev " + tag);
    sh(core.exec() + "ip addr add " + net + ".1/24 dev " + tag + "c");
    sh(ns.exec() + "ip link set " + tag + " up");
    sh(core.exec() + "ip link set " + tag + "c up");
    sh(ns.exec() + "ip route add default via " + net + ".1");
  }
  void build() {
    sh(core.exec() + "sysctl -qw net.ipv4.ip_forward=1");
    for (int i = 0; i < 3; ++i) attach(n[i], "198.18.5" + std::to_string(i + 1), "gcl" + std::to_string(i + 1));
    // The sites' services listen on .10, beside the link's .2.
    attach(a, "198.18.61", "gsa");
    attach(b, "198.18.62", "gsb");
    sh(a.exec() + "ip addr add " + kSiteA + "/24 dev gsa");
    sh(b.exec() + "ip addr add " + kSiteB + "/24 dev gsb");
    charon_a = Charon::start(500, 4500, a.name());
    charon_b = Charon::start(500, 4500, b.name());
    sstp_a = startSstp(a, kSiteA);
    sstp_b = startSstp(b, kSiteB);
  }
  std::unique_ptr<ChildProcess> startSstp(NetNamespace& ns, const std::string& address) {
    return ChildProcess::start({"ip", "netns", "exec", ns.name(), SSTP_TEST_SERVER, "--listen", address + ":443"},
                               "listening");
  }
  std::string etcdUrls(int first) {
    std::string out;
    for (int k = 0; k < 3; ++k)
      out += std::string(k ? ", " : "") + "\"http://" + hostAddress((first + k) % 3 + 1) + ":2379\"";
    return out;
  }
  // Each member from docs/cluster.md's /etc/default/etcd block, as an
  // admin would write it on each host: e1's lines with the member's own
  // name and address (ETCD_INITIAL_CLUSTER is the same everywhere), and a
  // data directory of the test's.
  void startEtcd(int i) {  // 0-based; the data stays across restarts
    std::string name = "e" + std::to_string(i + 1), host = hostAddress(i + 1);
    std::vector<std::string> argv{"ip", "netns", "exec", n[i].name(), "env"};
    for (const auto& [var, value] : documentedEtcdSettings()) {
      std::string v = value;
      if (var == "ETCD_NAME") v = name;
      if (var == "ETCD_DATA_DIR") v = dir + "/" + name;
      if (var != "ETCD_INITIAL_CLUSTER")
        for (size_t at = 0; (at = v.find(hostAddress(1), at)) != std::string::npos; at += host.size())
          v.replace(at, hostAddress(1).size(), host);
      argv.push_back(var + "=" + v);
    }
    argv.push_back("/usr/bin/etcd");
    // Not waited for: a member is ready only once a majority is up.
    etcd[i] = ChildProcess::start(argv, "");
  }
  bool etcdHealthy() {
    std::string endpoints;
    for (int k = 0; k < 3; ++k) endpoints += std::string(k ? "," : "") + "http://" + hostAddress(k + 1) + ":2379";
    return run(core.exec() + "env ETCDCTL_API=3 /usr/bin/etcdctl --dial-timeout=1s --command-timeout=2s --endpoints=" +
               endpoints + " endpoint health 2>&1")
               .exit_code == 0;
  }
  void startGtm(int i) {
    std::string host = hostAddress(i + 1);
    writeFile(dir, "token", "lab-token\n");
    std::string text = "[dns]\nlisten = [\"" + host + ":53\"]\nthreads = 1\n\n[cluster]\netcd = [" + etcdUrls(i) +
                       "]\nlease_ttl = 3\n\n[status]\nlisten = \"" + host + ":8053\"\ntoken_file = \"" + dir +
                       "/token\"\n" + R"(
[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com.", "ns2.vpn.example.com.", "ns3.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "198.18.51.2" }, { name = "ns2", type = "A", data = "198.18.52.2" },
            { name = "ns3", type = "A", data = "198.18.53.2" } ]

[[monitor]]
name = "sstp"
protocol = "sstp"
interval = 0.5
timeout = 0.3
tolerated_failures = 0
rise = 1

[[monitor]]
name = "ikev2"
protocol = "ikev2"
interval = 0.5
timeout = 0.3
tolerated_failures = 0
rise = 1

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["sstp", "ikev2"]
  [[profile.endpoint]]
  name = "a"
  target = ")" + kSiteA + R"("
  priority = 1
  [[profile.endpoint]]
  name = "b"
  target = ")" + kSiteB + R"("
  priority = 2
)";
    config_path[i] = writeFile(dir, "ns" + std::to_string(i + 1) + ".toml", text);
    gtm[i] = ChildProcess::start({"ip", "netns", "exec", n[i].name(), kGtm, "serve", "--config", config_path[i], "--node",
                                  "ns" + std::to_string(i + 1)},
                                 "serving");
  }
  // What node i (0-based) answers for the profile, from the core.
  std::string answer(int i, const std::string& qname = "aovpn.vpn.example.com", const std::string& type = "A",
                     const std::string& klass = "") {
    auto r = run(core.exec() + "dig +short +time=1 +tries=1 " + klass + " " + type + " " + qname + " @" +
                 hostAddress(i + 1));
    std::string out = r.output;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  std::string http(int i, const std::string& path) {
    return run(core.exec() + "curl -s -m 2 http://" + hostAddress(i + 1) + ":8053" + path).output;
  }
  // Node i's checks of site A (its SSTP and IKEv2 targets), from its status API.
  nlohmann::json checksOfA(int i) {
    auto j = nlohmann::json::parse(http(i, "/api/v1/status"), nullptr, false);
    if (!j.is_object()) return nlohmann::json::array();
    return j["profiles"][0]["endpoints"][0]["checks"];
  }
  // Its own states of them: "Online Online ".
  std::string ownStates(int i) {
    std::string out;
    for (const auto& c : checksOfA(i)) out += c["state"].get<std::string>() + " ";
    return out;
  }
  bool metric(int i, const std::string& line) { return http(i, "/metrics").find("\n" + line + "\n") != std::string::npos; }
  CommandResult admin(int i, const std::string& action) {
    return run(core.exec() + kGtm + " endpoint " + action + " --config " + config_path[i] + " 2>&1");
  }
  std::string logs() {
    std::string out;
    for (int i = 0; i < 3; ++i)
      if (gtm[i]) out += "--- ns" + std::to_string(i + 1) + "\n" + gtm[i]->log();
    return out;
  }
};

class ClusterLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NetNamespace::cannotCreate(); !why.empty()) GTEST_SKIP() << why;
    if (auto why = Charon::cannotRun(); !why.empty()) GTEST_SKIP() << why;
    for (const char* tool : {"nft", "dig", "curl", "etcdctl"})
      if (!haveCommand(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps.sh test)";
    if (::access("/usr/bin/etcd", X_OK) != 0) GTEST_SKIP() << "etcd is not installed (scripts/install-deps.sh test)";
  }
};

TEST_F(ClusterLabTest, ThreeNodesAgreeAndSurviveEtcdFailures) {
  ClusterLab lab;
  ASSERT_NO_FATAL_FAILURE(lab.build());
  // The members start from docs/cluster.md's own block: every line of it.
  ASSERT_EQ(documentedEtcdSettings().size(), 9u) << "docs/cluster.md's /etc/default/etcd block";
  for (int i = 0; i < 3; ++i) lab.startEtcd(i);
  ASSERT_GE(within(20, [&] { return lab.etcdHealthy(); }), 0) << lab.etcd[0]->log();
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(lab.startGtm(i));
  for (int i = 0; i < 3; ++i) {
    ASSERT_GE(within(5, [&] { return lab.answer(i) == kSiteA; }), 0) << lab.logs();
    ASSERT_GE(within(5, [&] { return lab.metric(i, "gtm_cluster_nodes 3"); }), 0) << lab.http(i, "/metrics");
  }

  // Which node answered, and one SOA serial (they started at different
  // seconds more often than not).
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(lab.answer(i, "id.server", "TXT", "CH"), "\"ns" + std::to_string(i + 1) + "\"");
  std::string soa = lab.answer(0, "vpn.example.com", "SOA");
  ASSERT_FALSE(soa.empty());
  for (int i = 1; i < 3; ++i) EXPECT_GE(within(3, [&] { return lab.answer(i, "vpn.example.com", "SOA") == soa; }), 0);

  // An admin drain through ns1: ns2 and ns3 move within a second.
  auto drained = lab.admin(0, "drain aovpn/a");
  ASSERT_EQ(drained.exit_code, 0) << drained.output << lab.logs();
  for (int i = 1; i < 3; ++i) {
    double t = within(2, [&] { return lab.answer(i) == kSiteB; });
    EXPECT_GE(t, 0) << "ns" << i + 1;
    EXPECT_LT(t, 1.0) << "ns" << i + 1;
  }
  ASSERT_EQ(lab.admin(2, "enable aovpn/a").exit_code, 0);
  for (int i = 0; i < 3; ++i) ASSERT_GE(within(2, [&] { return lab.answer(i) == kSiteA; }), 0);

  // ns1 alone loses its path to site A: its own checks go Degraded, the
  // other two outvote it, and no node moves away from A.
  lab.sh(lab.n[0].exec() + "nft add table inet gtmlab");
  lab.sh(lab.n[0].exec() + "nft 'add chain inet gtmlab out { type filter hook output priority 0; }'");
  lab.sh(lab.n[0].exec() + "nft add rule inet gtmlab out ip daddr " + kSiteA + " drop");
  EXPECT_GE(within(3, [&] { return lab.ownStates(0) == "Degraded Degraded "; }), 0) << lab.ownStates(0);
  nlohmann::json check = lab.checksOfA(0)[0];
  EXPECT_EQ(check["agreed"], "Online") << check.dump();
  EXPECT_EQ(check["nodes"]["ns2"], "Online") << check.dump();
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 3; ++i) EXPECT_EQ(lab.answer(i), kSiteA) << "ns" << i + 1 << " moved on ns1's view alone";
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  lab.sh(lab.n[0].exec() + "nft delete table inet gtmlab");

  // Site A really dies (its link is cut): all three move to B, each within
  // the single-node bound plus 0.5 s (plus what polling three nodes through
  // dig costs here).
  ASSERT_GE(within(3, [&] { return lab.ownStates(0) == "Online Online "; }), 0) << lab.ownStates(0);
  // The IKEv2 check carries what charon's response said of it.
  nlohmann::json ike = lab.checksOfA(0)[1];
  EXPECT_EQ(ike["monitor"], "ikev2");
  EXPECT_EQ(ike["details"]["fragmentation"], "supported (RFC 7383)") << ike.dump();
  EXPECT_NE(ike["details"]["proposal"].get<std::string>().find("(group 19)"), std::string::npos) << ike.dump();
  EXPECT_EQ(ike["details"]["nat"], "none") << ike.dump();
  lab.sh(lab.a.exec() + "ip link set gsa down");
  auto cut = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_GE(within(5, [&] { return lab.answer(i) == kSiteB; }), 0) << lab.logs();
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - cut).count();
    std::cout << "ns" << i + 1 << " answers site B " << t << " s after site A's link was cut\n";
    EXPECT_LT(t, kSingleNodeBound + 0.5 + 0.5) << "ns" << i + 1 << " moved " << t << " s after the cut";
  }
  lab.sh(lab.a.exec() + "ip link set gsa up");
  lab.sh(lab.a.exec() + "ip route replace default via 198.18.61.1");
  for (int i = 0; i < 3; ++i) ASSERT_GE(within(5, [&] { return lab.answer(i) == kSiteA; }), 0) << lab.logs();

  // One etcd member killed (ns3's first): nothing changes, no node even
  // loses its connection.
  lab.etcd[2].reset();
  for (int round = 0; round < 15; ++round) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(lab.answer(i), kSiteA);
      EXPECT_TRUE(lab.metric(i, "gtm_cluster_connected 1")) << "ns" << i + 1 << "\n" << lab.logs();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(lab.metric(0, "gtm_cluster_nodes 3"));
  lab.startEtcd(2);
  ASSERT_GE(within(20, [&] { return lab.etcdHealthy(); }), 0) << lab.etcd[2]->log();

  // ns1's own etcd member alone is cut off from the other two (their peer
  // port): it loses the leader and stops serving ns1, whose calls move to
  // another member, and whose watch follows them there: a drain through ns3
  // still reaches ns1.
  lab.sh(lab.n[0].exec() + "nft add table inet gtmlab");
  for (const char* hook : {"input", "output"})
    lab.sh(lab.n[0].exec() + "nft 'add chain inet gtmlab " + hook + " { type filter hook " + hook +
           " priority 0; }'");
  lab.sh(lab.n[0].exec() + "nft add rule inet gtmlab output tcp dport 2380 drop");
  lab.sh(lab.n[0].exec() + "nft add rule inet gtmlab input tcp dport 2380 drop");
  std::this_thread::sleep_for(std::chrono::seconds(4));  // past the election timeout and a lease renewal
  // (While etcd elects a new leader an admin action answers 503: retried,
  // as an admin would.)
  CommandResult via_ns3;
  ASSERT_GE(within(6, [&] { return (via_ns3 = lab.admin(2, "drain aovpn/a")).exit_code == 0; }), 0)
      << via_ns3.output << lab.logs();
  EXPECT_GE(within(8, [&] { return lab.answer(0) == kSiteB; }), 0) << "ns1 still watches its cut-off member\n"
                                                                     << lab.logs();
  ASSERT_EQ(lab.admin(2, "enable aovpn/a").exit_code, 0);
  EXPECT_GE(within(8, [&] { return lab.answer(0) == kSiteA; }), 0);
  EXPECT_TRUE(lab.metric(0, "gtm_cluster_connected 1"));
  lab.sh(lab.n[0].exec() + "nft delete table inet gtmlab");
  ASSERT_GE(within(20, [&] { return lab.etcdHealthy(); }), 0);

  // A partition: n3 (ns3 and its etcd member) is cut off from n1 and n2.
  // ns3 is in the minority: its member loses the leader, so ns3 answers by
  // its own view; ns1 and ns2 keep the majority and count two nodes once
  // ns3's lease runs out. Nobody moves away from a healthy site A.
  lab.sh(lab.n[2].exec() + "nft add table inet gtmlab");
  for (const char* hook : {"input", "output"})
    lab.sh(lab.n[2].exec() + "nft 'add chain inet gtmlab " + hook + " { type filter hook " + hook +
           " priority 0; }'");
  lab.sh(lab.n[2].exec() + "nft add rule inet gtmlab output ip daddr { 198.18.51.2, 198.18.52.2 } drop");
  lab.sh(lab.n[2].exec() + "nft add rule inet gtmlab input ip saddr { 198.18.51.2, 198.18.52.2 } drop");
  EXPECT_GE(within(10, [&] { return lab.metric(2, "gtm_cluster_connected 0"); }), 0) << lab.logs();
  EXPECT_GE(within(8, [&] { return lab.metric(0, "gtm_cluster_nodes 2"); }), 0);
  // (etcd may elect a new leader in the majority meanwhile: a moment
  // without one is allowed, the lease outlasts it.)
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lab.answer(i), kSiteA) << "ns" << i + 1;
    const std::string want = i == 2 ? "gtm_cluster_connected 0" : "gtm_cluster_connected 1";
    EXPECT_GE(within(5, [&] { return lab.metric(i, want); }), 0) << "ns" << i + 1 << "\n" << lab.logs();
  }
  lab.sh(lab.n[2].exec() + "nft delete table inet gtmlab");
  EXPECT_GE(within(15, [&] { return lab.metric(2, "gtm_cluster_connected 1") && lab.metric(0, "gtm_cluster_nodes 3"); }), 0)
      << lab.logs();

  // Two of three members stopped: the last one has no leader. Every node
  // reports that etcd has no quorum within the lease TTL (3 s), although
  // its lease has not run out yet.
  auto quorum_lost = std::chrono::steady_clock::now();
  lab.etcd[1].reset();
  lab.etcd[2].reset();
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(within(6, [&] { return lab.metric(i, "gtm_cluster_etcd_quorum 0"); }), 0) << "ns" << i + 1 << "\n"
                                                                                         << lab.logs();
  }
  double reported = std::chrono::duration<double>(std::chrono::steady_clock::now() - quorum_lost).count();
  // A renewal every TTL/3 (1 s) that times out after 2 s: about the TTL;
  // 2 s of slack for a loaded machine.
  EXPECT_LT(reported, 3.0 + 2.0) << "quorum loss reported within the lease TTL";
  std::printf("quorum loss reported on all three nodes %.2f s after two members stopped\n", reported);

  // Every etcd member killed: the nodes keep answering, fail over by their
  // own view, and admin actions answer 503 and change nothing.
  for (auto& e : lab.etcd) e.reset();
  for (int i = 0; i < 3; ++i)
    EXPECT_GE(within(5, [&] { return lab.metric(i, "gtm_cluster_connected 0"); }), 0) << "ns" << i + 1;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lab.answer(i), kSiteA);
  auto refused = lab.admin(1, "disable aovpn/a");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("503"), std::string::npos) << refused.output;
  lab.sh(lab.a.exec() + "ip link set gsa down");
  for (int i = 0; i < 3; ++i)
    EXPECT_GE(within(3, [&] { return lab.answer(i) == kSiteB; }), 0) << "local failover without etcd, ns" << i + 1;
  lab.sh(lab.a.exec() + "ip link set gsa up");
  lab.sh(lab.a.exec() + "ip route replace default via 198.18.61.1");
  for (int i = 0; i < 3; ++i) EXPECT_GE(within(5, [&] { return lab.answer(i) == kSiteA; }), 0);

  // etcd back: the nodes rejoin and see each other again.
  for (int i = 0; i < 3; ++i) lab.startEtcd(i);
  ASSERT_GE(within(20, [&] { return lab.etcdHealthy(); }), 0) << lab.etcd[0]->log();
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(within(10, [&] { return lab.metric(i, "gtm_cluster_connected 1"); }), 0) << "ns" << i + 1;
    EXPECT_GE(within(5, [&] { return lab.metric(i, "gtm_cluster_nodes 3"); }), 0) << "ns" << i + 1;
    EXPECT_GE(within(5, [&] { return lab.metric(i, "gtm_cluster_etcd_quorum 1"); }), 0) << "ns" << i + 1;
  }

  // ns3 killed without a word: it leaves the others' count within lease_ttl.
  ::kill(lab.gtm[2]->pid(), SIGKILL);
  double gone = within(6, [&] { return lab.metric(0, "gtm_cluster_nodes 2"); });
  EXPECT_GE(gone, 0);
  EXPECT_LT(gone, 3.0 + 1.0) << "lease_ttl 3 s plus slack";
  EXPECT_EQ(lab.answer(0), kSiteA);
}

// Two gtm lb balancers of one site (as a keepalived pair would run them)
// with one etcd member, all in one namespace: a drain through either one's
// API reaches the other's table within a second, each shows the other's
// observations, and with etcd gone an admin action answers 503.
TEST_F(ClusterLabTest, TwoBalancersShareAdminState) {
  NetNamespace ns;
  std::string dir = makeTempDir();
  auto etcd = ChildProcess::start({"ip", "netns", "exec", ns.name(), "/usr/bin/etcd", "--name", "e1", "--data-dir",
                                   dir + "/etcd", "--listen-client-urls", "http://127.0.0.1:2379",
                                   "--advertise-client-urls", "http://127.0.0.1:2379", "--listen-peer-urls",
                                   "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                                   "--initial-cluster", "e1=http://127.0.0.1:2380"},
                                  "ready to serve client requests");
  std::vector<std::unique_ptr<ChildProcess>> rras;
  for (const char* address : {"127.0.21.11", "127.0.22.11"})
    rras.push_back(ChildProcess::start(
        {"ip", "netns", "exec", ns.name(), SSTP_TEST_SERVER, "--listen", std::string(address) + ":443"}, "listening"));
  writeFile(dir, "token", "lb-token\n");
  std::unique_ptr<ChildProcess> lb[2];
  std::string config[2];
  for (int i = 0; i < 2; ++i) {
    std::string n = std::to_string(i + 1);
    config[i] = writeFile(dir, "lb" + n + ".toml", "[lb]\ntable = \"gtm_lbc" + n + "\"\n\n[status]\nlisten = \"127.0.0.1:805" + n +
                                                     "\"\ntoken_file = \"" + dir + "/token\"\nstate_file = \"" + dir +
                                                     "/admin" + n + ".json\"\n\n[cluster]\netcd = [\"http://127.0.0.1:2379\"]\n"
                                                     "prefix = \"/gtm/site-a/\"\nlease_ttl = 3\n" + R"(
[[monitor]]
name = "sstp"
protocol = "sstp"
interval = 0.5
timeout = 0.3

[[service]]
name = "sstp"
vip = "198.18.0.10"
protocol = "tcp"
ports = [443]
monitors = ["sstp"]
  [[service.real]]
  name = "rras1"
  address = "127.0.21.11"
  [[service.real]]
  name = "rras2"
  address = "127.0.22.11"
)");
    lb[i] = ChildProcess::start({"ip", "netns", "exec", ns.name(), kGtm, "lb", "--config", config[i], "--node", "lb" + n},
                                "balancing");
  }
  auto status = [&](int i) {
    auto j = nlohmann::json::parse(
        run(ns.exec() + "curl -s -m 2 http://127.0.0.1:805" + std::to_string(i + 1) + "/api/v1/status").output, nullptr,
        false);
    return j.is_object() ? j : nlohmann::json::object();
  };
  auto realState = [&](int i, int real) -> std::string {
    auto j = status(i);
    if (!j.contains("services")) return "";
    return j["services"][0]["reals"][real]["state"].get<std::string>();
  };
  for (int i = 0; i < 2; ++i) {
    ASSERT_GE(within(5, [&] { return realState(i, 0) == "Online"; }), 0) << lb[i]->log();
    ASSERT_GE(within(5, [&] { return status(i)["cluster"]["nodes"].size() == 2; }), 0) << status(i).dump();
  }
  EXPECT_TRUE(status(1)["cluster"]["config_mismatch"].empty()) << "[lb] is each balancer's own: " << status(1).dump();
  nlohmann::json check;
  EXPECT_GE(within(3,
                   [&] {
                     check = status(1)["services"][0]["reals"][0]["checks"][0];
                     return check.contains("nodes") && check["nodes"].size() == 2;
                   }),
            0)
      << check.dump();

  // A drain through lb1 reaches lb2's table within a second; an enable
  // through lb2 reaches lb1's.
  auto drain = run(ns.exec() + kGtm + " endpoint drain sstp/rras1 --config " + config[0] + " 2>&1");
  ASSERT_EQ(drain.exit_code, 0) << drain.output << lb[0]->log();
  double t = within(2, [&] { return realState(1, 0) == "Drained"; });
  EXPECT_GE(t, 0) << status(1).dump() << lb[1]->log();
  EXPECT_LT(t, 1.0);
  // lb2's kernel table sends new clients to rras2 only.
  EXPECT_GE(within(2,
                   [&] {
                     auto rules = run(ns.exec() + "nft list table inet gtm_lbc2").output;
                     return rules.find("127.0.21.11") == std::string::npos && rules.find("127.0.22.11") != std::string::npos;
                   }),
            0)
      << run(ns.exec() + "nft list table inet gtm_lbc2").output;
  ASSERT_EQ(run(ns.exec() + kGtm + " endpoint enable sstp/rras1 --config " + config[1]).exit_code, 0);
  EXPECT_GE(within(2, [&] { return realState(0, 0) == "Online"; }), 0) << status(0).dump();

  // etcd gone: the balancers keep their tables; admin actions answer 503.
  // (rras2's first probe may still be running on a loaded machine.)
  ASSERT_GE(within(3, [&] { return realState(0, 1) == "Online"; }), 0) << status(0).dump();
  etcd.reset();
  auto refused = run(ns.exec() + kGtm + " endpoint disable sstp/rras2 --config " + config[0] + " 2>&1");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("503"), std::string::npos) << refused.output;
  EXPECT_EQ(realState(0, 1), "Online") << "nothing changed";
}

}  // namespace
}  // namespace gtm::test
