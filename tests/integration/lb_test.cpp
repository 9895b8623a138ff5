// gtm lb end to end, in network namespaces the test builds (root only):
//
//   client 198.18.10.2 (+200 more addresses) -- lb (VIP 198.18.0.10) -- r1 198.18.21.11
//                                                                     -- r2 198.18.22.11
//                                                                     -- r3 198.18.23.11
//
// Each real server runs strongSwan's charon (UDP 500/4500) and the SSTP test
// server (TCP 443) and routes its replies back through the balancer, as in
// Loadbalancer.org's NAT mode. Which real server a client reached, and from
// which address, is read from that server's charon log.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/charon.hpp"
#include "tests/support/gtm_process.hpp"

namespace gtm::test {
namespace {

const std::string kVip = "198.18.0.10";
constexpr int kClients = 200;

std::string clientAddress(int i) { return "198.18.10." + std::to_string(10 + i); }

struct Lab {
  NetNamespace client, lb, r1, r2, r3;
  std::vector<NetNamespace*> reals{&r1, &r2, &r3};
  std::vector<std::unique_ptr<Charon>> charons;
  std::vector<std::unique_ptr<ChildProcess>> sstp;
  std::unique_ptr<ChildProcess> balancer;
  std::string dir = makeTempDir();

  static std::string realAddress(size_t i) { return "198.18.2" + std::to_string(i + 1) + ".11"; }

  void sh(const std::string& cmd) {
    auto r = run(cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  }
  void link(NetNamespace& a, const std::string& a_addr, NetNamespace& b, const std::string& b_addr,
            const std::string& tag) {
    sh("ip link add gtm" + tag + "a netns " + a.name() + " type veth peer name gtm" + tag + "b netns " + b.name());
    sh(a.exec() + "ip addr add " + a_addr + " dev gtm" + tag + "a");
    sh(b.exec() + "ip addr add " + b_addr + " dev gtm" + tag + "b");
    sh(a.exec() + "ip link set gtm" + tag + "a up");
    sh(b.exec() + "ip link set gtm" + tag + "b up");
  }
  void build() {
    link(client, "198.18.10.2/24", lb, "198.18.10.1/24", "c");
    for (int i = 0; i < kClients; ++i) sh(client.exec() + "ip addr add " + clientAddress(i) + "/24 dev gtmca");
    sh(client.exec() + "ip route add default via 198.18.10.1");
    sh(lb.exec() + "ip addr add " + kVip + "/32 dev lo");
    sh(lb.exec() + "sysctl -qw net.ipv4.ip_forward=1");
    for (size_t i = 0; i < reals.size(); ++i) {
      std::string net = "198.18.2" + std::to_string(i + 1);
      link(*reals[i], realAddress(i) + "/24", lb, net + ".1/24", "r" + std::to_string(i + 1));
      sh(reals[i]->exec() + "ip route add default via " + net + ".1");
    }
    for (size_t i = 0; i < reals.size(); ++i) {
      charons.push_back(Charon::start(500, 4500, reals[i]->name()));
      sstp.push_back(startSstp(i));
    }
  }
  std::unique_ptr<ChildProcess> startSstp(size_t i) {
    return ChildProcess::start({"ip", "netns", "exec", reals[i]->name(), SSTP_TEST_SERVER, "--listen",
                                realAddress(i) + ":443"},
                               "listening");
  }
  std::string config_path;
  void startBalancer(const std::string& extra_flag = "", const std::string& drained = "", int sstp_tolerated = 0) {
    writeFile(dir, "token", "lb-token\n");
    std::string config = R"([lb]
table = "gtm_lb_test"

[status]
listen = "198.18.10.1:8053"
token_file = ")" + dir + R"(/token"
state_file = ")" + dir + R"(/admin.json"

[[monitor]]
name = "ikev2"
protocol = "ikev2"
interval = 0.5
timeout = 0.3
tolerated_failures = 0

[[monitor]]
name = "sstp"
protocol = "sstp"
interval = 0.5
timeout = 0.3
tolerated_failures = )" + std::to_string(sstp_tolerated) + R"(

[[service]]
name = "ikev2"
vip = ")" + kVip + R"("
protocol = "udp"
ports = [500, 4500]
monitors = ["ikev2"]
)";
    const int weights[] = {1, 2, 1};
    for (size_t i = 0; i < reals.size(); ++i)
      config += "  [[service.real]]\n  name = \"r" + std::to_string(i + 1) + "\"\n  address = \"" + realAddress(i) +
                "\"\n  weight = " + std::to_string(weights[i]) + "\n";
    config += "\n[[service]]\nname = \"sstp\"\nvip = \"" + kVip + "\"\nprotocol = \"tcp\"\nports = [443]\nmonitors = [\"sstp\"]\n";
    for (size_t i = 0; i < reals.size(); ++i) {
      std::string name = "r" + std::to_string(i + 1);
      config += "  [[service.real]]\n  name = \"" + name + "\"\n  address = \"" + realAddress(i) + "\"\n";
      if (name == drained) config += "  drain = true\n";
    }
    config_path = writeFile(dir, "lb.toml", config);
    if (balancer) return;  // a reload: the caller sends SIGHUP
    std::vector<std::string> argv{"ip", "netns", "exec", lb.name(), kGtm, "lb", "--config", config_path};
    if (!extra_flag.empty()) argv.push_back(extra_flag);
    balancer = ChildProcess::start(argv, "balancing");
  }
  // gtm serve's config for the client's namespace: site A is the VIP, read
  // through the balancer's status API; site B always answers. By priority,
  // or weighted with weight_from = "gtm-lb".
  std::string writeServeConfig(const std::string& site_b, bool weighted = false) {
    const std::string routing = weighted ? "routing = \"weighted\"\nweight_from = \"gtm-lb\"\n" : "";
    const std::string first = weighted ? "" : "  priority = 1\n", second = weighted ? "" : "  priority = 2\n";
    return writeFile(dir, "serve.toml", R"([dns]
listen = ["127.0.0.1:5300"]
threads = 1

[status]
listen = "127.0.0.1:8054"

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.1" } ]

[[monitor]]
name = "site-lb"
protocol = "gtm-lb"
url = "http://198.18.10.1:8053/api/v1/status"
service = "ikev2"
interval = 0.5
timeout = 0.3
tolerated_failures = 0

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
)" + routing + R"(monitors = ["site-lb"]
  [[profile.endpoint]]
  name = "a"
  target = ")" + kVip + R"("
)" + first + R"(  [[profile.endpoint]]
  name = "b"
  target = ")" + site_b + R"("
)" + second + R"(  always_serve = true
)");
  }
  // Which real servers' charon exchanged packets with this client address on
  // this port ("r2", or "r1r3" for more than one). charon logs every packet
  // it receives and sends, with both ends, whether it answers with a full
  // IKE_SA_INIT or, under load, with a COOKIE.
  std::string servedBy(const std::string& client_addr, int port) {
    std::string out;
    for (size_t i = 0; i < charons.size(); ++i) {
      if (!charons[i]) continue;
      std::istringstream log(charons[i]->log());
      std::string line, server = realAddress(i) + "[" + std::to_string(port) + "]";
      bool seen = false;
      while (!seen && std::getline(log, line))
        seen = line.find(" " + client_addr + "[") != std::string::npos && line.find(server) != std::string::npos;
      if (seen) out += "r" + std::to_string(i + 1);
    }
    return out;
  }
  CommandResult probeFrom(const std::string& source, const std::string& args) {
    return run(client.exec() + kGtm + " probe " + args + " --source " + source + " --timeout 1");
  }
};

class LbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NetNamespace::cannotCreate(); !why.empty()) GTEST_SKIP() << why;
    if (auto why = Charon::cannotRun(); !why.empty()) GTEST_SKIP() << why;
    if (!haveCommand("nft")) GTEST_SKIP() << "nft is not installed (scripts/install-deps.sh test)";
  }
};

TEST_F(LbTest, MaglevAffinityWeightsFailoverAndRejection) {
  Lab lab;
  ASSERT_NO_FATAL_FAILURE(lab.build());
  lab.startBalancer();
  // Every real server Online under both monitors before we start.
  for (int i = 0; i < 100 && lab.balancer->log().find("r3 from=CheckingEndpoint to=Online") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // 1. One client, UDP 500 then 4500 (NAT-T): the same real server, and it
  //    sees the client's own address.
  auto a = lab.probeFrom(clientAddress(0), "ikev2 " + kVip);
  EXPECT_EQ(a.exit_code, 0) << a.output << lab.balancer->log();
  auto b = lab.probeFrom(clientAddress(0), "ikev2 " + kVip + " --nat-t");
  EXPECT_EQ(b.exit_code, 0) << b.output;
  std::string on500 = lab.servedBy(clientAddress(0), 500), on4500 = lab.servedBy(clientAddress(0), 4500);
  EXPECT_EQ(on500.size(), 2u) << on500;
  EXPECT_EQ(on500, on4500);

  // 2. 200 clients spread by weight 1:2:1 (expected 50, 100, 50).
  std::map<std::string, std::vector<int>> clients_of;
  for (int i = 1; i <= kClients - 1; ++i) {
    auto r = lab.probeFrom(clientAddress(i), "ikev2 " + kVip);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  for (int i = 1; i <= kClients - 1; ++i) clients_of[lab.servedBy(clientAddress(i), 500)].push_back(i);
  EXPECT_EQ(clients_of.size(), 3u) << [&] {
    std::string keys;
    for (auto& [k, v] : clients_of) keys += "'" + k + "':" + std::to_string(v.size()) + " ";
    return keys;
  }();
  EXPECT_NEAR(clients_of["r1"].size(), 50, 22);
  EXPECT_NEAR(clients_of["r2"].size(), 100, 25);
  EXPECT_NEAR(clients_of["r3"].size(), 50, 22);

  // 3. SSTP passes through to a real server on TCP 443.
  auto sstp = lab.probeFrom(clientAddress(0), "sstp " + kVip + " --mode handshake");
  EXPECT_EQ(sstp.exit_code, 0) << sstp.output;

  // 4. r1 stops: within interval x (tolerated + 1) + timeout = 0.8 s its
  //    clients reach other servers, and nobody else moves.
  lab.charons[0]->stop();
  auto stopped = std::chrono::steady_clock::now();
  int probe_client = clients_of["r1"].front();
  while (lab.probeFrom(clientAddress(probe_client), "ikev2 " + kVip).exit_code != 0 &&
         std::chrono::steady_clock::now() - stopped < std::chrono::seconds(5)) {
  }
  double failover = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  EXPECT_LT(failover, 0.8 + 1.0) << lab.balancer->log();
  lab.charons[0].reset();  // its log goes with it: from now on logs are of r2 and r3
  for (int i : clients_of["r2"]) lab.probeFrom(clientAddress(i), "ikev2 " + kVip);
  for (int i : clients_of["r3"]) lab.probeFrom(clientAddress(i), "ikev2 " + kVip);
  for (int i : clients_of["r1"]) {
    auto r = lab.probeFrom(clientAddress(i), "ikev2 " + kVip);
    EXPECT_EQ(r.exit_code, 0) << "r1's client " << i << " was not moved: " << r.output;
  }
  int stayed = 0;
  for (const char* server : {"r2", "r3"})
    for (int i : clients_of[server]) stayed += lab.servedBy(clientAddress(i), 500) == server;
  EXPECT_EQ(stayed, static_cast<int>(clients_of["r2"].size() + clients_of["r3"].size())) << "only r1's clients move";
  EXPECT_NE(lab.balancer->log().find("msg=\"service table changed\" service=ikev2"), std::string::npos);

  // 5. r1 returns: exactly its own clients go back to it, nobody else moves.
  lab.charons[0] = Charon::start(500, 4500, lab.r1.name());
  auto returned = std::chrono::steady_clock::now();
  while (lab.servedBy(clientAddress(probe_client), 500).find("r1") == std::string::npos &&
         std::chrono::steady_clock::now() - returned < std::chrono::seconds(5))
    lab.probeFrom(clientAddress(probe_client), "ikev2 " + kVip);
  int back_on_r1 = 0, elsewhere = 0;
  for (const char* server : {"r1", "r2", "r3"})
    for (int i : clients_of[server]) {
      lab.probeFrom(clientAddress(i), "ikev2 " + kVip);
      bool on_r1 = lab.servedBy(clientAddress(i), 500).find("r1") != std::string::npos;
      if (std::string(server) == "r1")
        back_on_r1 += on_r1;
      else
        elsewhere += on_r1;
    }
  EXPECT_EQ(back_on_r1, static_cast<int>(clients_of["r1"].size())) << "r1's clients return to it";
  EXPECT_EQ(elsewhere, 0) << "no client of r2 or r3 moves to r1";

  // 6. Every real server of a service down: the VIP rejects at once.
  for (auto& s : lab.sstp) s->stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto refused = lab.probeFrom(clientAddress(0), "sstp " + kVip);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("connection refused"), std::string::npos) << refused.output << lab.balancer->log();
  EXPECT_NE(lab.balancer->log().find("service has no healthy real server"), std::string::npos);

  // 7. gtm lb stops: its table goes.
  lab.balancer->stop();
  auto list = run(lab.lb.exec() + "nft list table inet gtm_lb_test");
  EXPECT_NE(list.exit_code, 0) << list.output;
}

// The real server behind an established TCP flow to VIP:443, from the
// balancer's conntrack table ("" when there is none).
std::string establishedReal(Lab& lab) {
  auto r = run(lab.lb.exec() + "conntrack -L -p tcp --dport 443 --state ESTABLISHED");
  for (size_t i = 0; i < lab.reals.size(); ++i)
    if (r.output.find("src=" + Lab::realAddress(i) + " dst=198.18.10.2") != std::string::npos)
      return "r" + std::to_string(i + 1);
  return "";
}

// Once every real server is Online: a long-lived TLS connection through the
// VIP, as an SSTP tunnel is, and the real server conntrack sent it to.
void openTunnel(Lab& lab, std::unique_ptr<ChildProcess>& tunnel, std::string& real) {
  for (int i = 0; i < 100 && lab.balancer->log().find("r3 from=CheckingEndpoint to=Online") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  tunnel = ChildProcess::start(
      {"sh", "-c", lab.client.exec() + "sh -c 'sleep 60 | openssl s_client -connect " + kVip + ":443 -servername vpn.example.com'"},
      "CONNECTED");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  real = establishedReal(lab);
  ASSERT_FALSE(real.empty()) << run(lab.lb.exec() + "conntrack -L").output;
}

TEST_F(LbTest, DrainAndRestartKeepEstablishedFlows) {
  if (!haveCommand("conntrack") || !haveCommand("openssl"))
    GTEST_SKIP() << "conntrack and openssl are needed (scripts/install-deps.sh test)";
  Lab lab;
  ASSERT_NO_FATAL_FAILURE(lab.build());
  lab.startBalancer("--keep-rules");
  std::unique_ptr<ChildProcess> tunnel;
  std::string real;
  ASSERT_NO_FATAL_FAILURE(openTunnel(lab, tunnel, real));

  // Drain that real server: new clients go elsewhere, the flow stays.
  lab.startBalancer("", real);
  ::kill(lab.balancer->pid(), SIGHUP);
  for (int i = 0; i < 60 && lab.balancer->log().find("msg=reloaded") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_NE(lab.balancer->log().find("msg=reloaded"), std::string::npos) << lab.balancer->log();
  auto rules = run(lab.lb.exec() + "nft list table inet gtm_lb_test");
  size_t sstp_rule = rules.output.find("tcp dport 443");
  ASSERT_NE(sstp_rule, std::string::npos) << rules.output;
  std::string sstp_line = rules.output.substr(sstp_rule, rules.output.find('\n', sstp_rule) - sstp_rule);
  EXPECT_EQ(sstp_line.find(": " + Lab::realAddress(static_cast<size_t>(real[1] - '1'))), std::string::npos)
      << "the drained server is still in the table: " << sstp_line;
  EXPECT_EQ(establishedReal(lab), real);

  // Restart gtm lb (--keep-rules): the table stays while it is away, the
  // new run takes it over, and the flow never notices.
  lab.balancer->stop();
  EXPECT_EQ(run(lab.lb.exec() + "nft list table inet gtm_lb_test").exit_code, 0) << "--keep-rules kept the table";
  lab.balancer.reset();
  lab.startBalancer("", real);
  EXPECT_EQ(establishedReal(lab), real);
  EXPECT_EQ(::kill(tunnel->pid(), 0), 0) << "the tunnel's client is still connected";
  EXPECT_EQ(tunnel->log().find("closed"), std::string::npos) << tunnel->log();
}

// After a restart, probes lost within tolerated_failures take no server
// out, and no established flow is cut: tunnels of healthy RRAS servers live.
TEST_F(LbTest, RestartWithLostProbesKeepsTunnels) {
  if (!haveCommand("conntrack") || !haveCommand("openssl"))
    GTEST_SKIP() << "conntrack and openssl are needed (scripts/install-deps.sh test)";
  Lab lab;
  ASSERT_NO_FATAL_FAILURE(lab.build());
  lab.startBalancer("--keep-rules", "", 2);
  std::unique_ptr<ChildProcess> tunnel;
  std::string real;
  ASSERT_NO_FATAL_FAILURE(openTunnel(lab, tunnel, real));
  size_t index = static_cast<size_t>(real[1] - '1');
  NetNamespace& server = *lab.reals[index];

  lab.balancer->stop();
  lab.balancer.reset();
  // The balancer's probes to that server are lost for 0.7 s (at most two
  // of them, interval 0.5 s; tolerated_failures = 2); the tunnel's packets,
  // from the client's address, pass.
  std::string lb_side = "198.18.2" + std::to_string(index + 1) + ".1";
  lab.sh(server.exec() + "nft add table inet lose");
  lab.sh(server.exec() + "nft add chain inet lose in '{ type filter hook input priority 0; }'");
  lab.sh(server.exec() + "nft add rule inet lose in ip saddr " + lb_side + " tcp dport 443 drop");
  lab.startBalancer("--keep-rules", "", 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  lab.sh(server.exec() + "nft delete table inet lose");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  std::string log = lab.balancer->log();
  for (const char* from : {"CheckingEndpoint", "Online"})
    EXPECT_EQ(log.find("endpoint=sstp/" + real + " from=" + from + " to=Degraded"), std::string::npos) << log;
  EXPECT_EQ(log.find("flows to a real server deleted"), std::string::npos) << log;
  EXPECT_EQ(establishedReal(lab), real) << run(lab.lb.exec() + "conntrack -L").output;
  EXPECT_EQ(::kill(tunnel->pid(), 0), 0) << "the tunnel's client is still connected";
}

TEST_F(LbTest, StatusApiMetricsAndDrainByTheAdmin) {
  if (!haveCommand("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps.sh test)";
  Lab lab;
  ASSERT_NO_FATAL_FAILURE(lab.build());
  lab.startBalancer();
  for (int i = 0; i < 100 && lab.balancer->log().find("r3 from=CheckingEndpoint to=Online") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string curl = lab.client.exec() + "curl -s -m 5 ";
  const std::string base = "http://198.18.10.1:8053";
  nlohmann::json status;
  auto allOnline = [&] {
    for (const auto& svc : status["services"])
      for (const auto& r : svc["reals"])
        if (r["state"] != "Online") return false;
    return !status["services"].empty();
  };
  for (int i = 0; i < 50; ++i) {
    status = nlohmann::json::parse(run(curl + base + "/api/v1/status").output, nullptr, false);
    if (status.is_object() && allOnline()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(status["services"].size(), 2u);
  const auto& ike = status["services"][0];
  EXPECT_EQ(ike["name"], "ikev2");
  EXPECT_EQ(ike["table_size"], 401);  // the smallest prime above 100 x (1 + 2 + 1)
  EXPECT_EQ(ike["reals"][1]["state"], "Online");
  size_t r2_slots = ike["reals"][1]["slots"];
  EXPECT_NEAR(static_cast<double>(r2_slots) / 401, 0.5, 0.05);
  // Drain r2 through the API: it leaves the table, the others take its slots.
  EXPECT_NE(run(curl + "-X POST " + base + "/api/v1/endpoints/ikev2/r2/drain").output.find("bearer token"),
            std::string::npos);
  auto drained = run(curl + "-X POST -H 'Authorization: Bearer lb-token' " + base + "/api/v1/endpoints/ikev2/r2/drain");
  EXPECT_NE(drained.output.find("\"action\":\"drain\""), std::string::npos) << drained.output;
  nlohmann::json after;
  for (int i = 0; i < 40; ++i) {
    after = nlohmann::json::parse(run(curl + base + "/api/v1/status").output);
    if (after["services"][0]["reals"][1]["slots"] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(after["services"][0]["reals"][1]["state"], "Drained");
  EXPECT_EQ(after["services"][0]["reals"][1]["slots"], 0);
  auto metrics = run(curl + base + "/metrics").output;
  EXPECT_NE(metrics.find("gtm_lb_real_up{service=\"ikev2\",real=\"r2\"} 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("gtm_lb_moved_slots_total{service=\"ikev2\"} " + std::to_string(r2_slots)), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("gtm_probe_duration_seconds_count{monitor=\"ikev2\"}"), std::string::npos);
  auto cli = run(lab.client.exec() + std::string(GTM_BINARY) + " status --config " + lab.config_path);
  EXPECT_NE(cli.output.find("  r2  Drained  0 slots"), std::string::npos) << cli.output;
  // Kept in the state file: a restarted gtm lb keeps r2 drained.
  lab.balancer->stop();
  lab.balancer.reset();
  lab.startBalancer();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto again = nlohmann::json::parse(run(curl + base + "/api/v1/status").output);
  EXPECT_EQ(again["services"][0]["reals"][1]["state"], "Drained");
}

// gtm serve in the client's namespace reads the balancer's status API with
// a gtm-lb monitor: the site stays up while any IKEv2 real server is, its
// reason carries the balancer's counts, and the answer moves to site B once
// the last real server fails, within the balancer's bound (interval 0.5 +
// timeout 0.3) plus one gtm-lb interval; a stopped balancer fails the check.
TEST_F(LbTest, GtmLbMonitorFollowsTheBalancer) {
  for (const char* tool : {"curl", "dig"})
    if (!haveCommand(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps.sh test)";
  Lab lab;
  ASSERT_NO_FATAL_FAILURE(lab.build());
  lab.startBalancer();
  const std::string site_b = "198.18.99.1";
  std::string serve_config = lab.writeServeConfig(site_b);
  auto serve = ChildProcess::start({"ip", "netns", "exec", lab.client.name(), kGtm, "serve", "--config", serve_config},
                                   "serving");
  auto answer = [&] {
    std::string out = run(lab.client.exec() + "dig +short +time=1 +tries=1 -p 5300 @127.0.0.1 aovpn.vpn.example.com").output;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  };
  auto check = [&] {
    auto j = nlohmann::json::parse(run(lab.client.exec() + "curl -s -m 2 http://127.0.0.1:8054/api/v1/status").output,
                                   nullptr, false);
    if (!j.is_object() || j["profiles"].empty()) return nlohmann::json();
    return j["profiles"][0]["endpoints"][0]["checks"][0];
  };
  auto waitForReason = [&](const std::string& part) {
    nlohmann::json c;
    for (int i = 0; i < 60; ++i) {
      c = check();
      if (c.is_object() && c["reason"].get<std::string>().find(part) != std::string::npos) return c;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no reason with \"" << part << "\": " << c.dump();
    return c;
  };
  auto c = waitForReason("ikev2: 3 of 3 reals online");
  EXPECT_EQ(c["state"], "Online");
  EXPECT_EQ(c["reason"], "balancer 198.18.10.1: ikev2: 3 of 3 reals online");
  EXPECT_EQ(answer(), kVip);

  // r1's charon stops and the admin disables r2: the site stays up on r3.
  lab.charons[0]->stop();
  auto disabled = run(lab.client.exec() + "curl -s -m 2 -X POST -H 'Authorization: Bearer lb-token' "
                                          "http://198.18.10.1:8053/api/v1/endpoints/ikev2/r2/disable");
  EXPECT_NE(disabled.output.find("\"action\":\"disable\""), std::string::npos) << disabled.output;
  c = waitForReason("ikev2: 1 of 3 reals online: r1 Degraded (ikev2: ");
  EXPECT_NE(c["reason"].get<std::string>().find(", r2 disabled by admin"), std::string::npos) << c.dump();
  EXPECT_EQ(c["state"], "Online");
  EXPECT_EQ(answer(), kVip);
  // The same from an admin's shell, reading the balancer at its address.
  auto probe = run(lab.client.exec() + kGtm + " probe gtm-lb 198.18.10.1 --port 8053 --service ikev2 --json");
  EXPECT_EQ(probe.exit_code, 0) << probe.output;
  EXPECT_NE(probe.output.find("\"reason\":\"balancer 198.18.10.1: ikev2: 1 of 3 reals online: r1 Degraded"),
            std::string::npos)
      << probe.output;
  auto two = run(lab.client.exec() + kGtm + " probe gtm-lb 198.18.10.1 --port 8053 --service ikev2 --min-reals 2");
  EXPECT_EQ(two.exit_code, 1) << two.output;
  EXPECT_NE(two.output.find("Degraded"), std::string::npos) << two.output;

  // The last one fails: the answer moves within the balancer's bound plus
  // one gtm-lb interval (and the dig that notices it).
  auto stopped = std::chrono::steady_clock::now();
  lab.charons[2]->stop();
  std::string now;
  for (int i = 0; i < 100 && (now = answer()) != site_b; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double moved = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  EXPECT_EQ(now, site_b);
  EXPECT_LT(moved, 0.8 + 0.5 + 0.4) << "the answer moved " << moved << " s after the last real server stopped";
  std::printf("answer moved %.2f s after the last real server stopped (bound 0.8 + 0.5 s)\n", moved);
  c = waitForReason("ikev2: 0 of 3 reals online");
  EXPECT_EQ(c["state"], "Degraded");
  EXPECT_NE(c["reason"].get<std::string>().find("r3 Degraded (ikev2: "), std::string::npos) << c.dump();

  // r3 comes back: so does the site. Then the balancer stops: its status
  // API is gone, the check fails, and the answer moves again.
  lab.charons[2] = Charon::start(500, 4500, lab.r3.name());
  waitForReason("ikev2: 1 of 3 reals online");
  for (int i = 0; i < 50 && answer() != kVip; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(answer(), kVip);
  lab.balancer->stop();
  c = waitForReason("balancer 198.18.10.1: connection refused");
  EXPECT_EQ(c["state"], "Degraded");
  for (int i = 0; i < 50 && answer() != site_b; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(answer(), site_b);
}

// weight_from = "gtm-lb": site A (the VIP, three real servers behind the
// balancer) and site B (one server, weight 1, not behind a balancer) share
// 3:1; one of A's servers stops and the share becomes 2:1. 10,000 answers
// each time, asked by one dig in the client's namespace; the bounds are
// five standard deviations of a binomial draw.
TEST_F(LbTest, WeightsFollowTheBalancersRealServers) {
  for (const char* tool : {"curl", "dig"})
    if (!haveCommand(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps.sh test)";
  Lab lab;
  ASSERT_NO_FATAL_FAILURE(lab.build());
  lab.startBalancer();
  const std::string site_b = "198.18.99.1";
  std::string path = lab.writeServeConfig(site_b, true);
  auto serve = ChildProcess::start({"ip", "netns", "exec", lab.client.name(), kGtm, "serve", "--config", path}, "serving");
  ASSERT_TRUE(serve);
  writeFile(lab.dir, "queries", [] {
    std::string q;
    for (int i = 0; i < 10000; ++i) q += "aovpn.vpn.example.com A\n";
    return q;
  }());
  auto shareOfA = [&] {
    auto out = run(lab.client.exec() + "dig +short +time=1 +tries=2 -p 5300 @127.0.0.1 -f " + lab.dir + "/queries", 120);
    std::istringstream lines(out.output);
    int a = 0, all = 0;
    for (std::string line; std::getline(lines, line);) {
      all += line == kVip || line == site_b;
      a += line == kVip;
    }
    EXPECT_EQ(all, 10000) << out.output.substr(0, 300);
    return all ? static_cast<double>(a) / all : 0.0;
  };
  auto effective = [&] {
    auto j = nlohmann::json::parse(run(lab.client.exec() + "curl -s -m 2 http://127.0.0.1:8054/api/v1/status").output,
                                   nullptr, false);
    if (!j.is_object() || j["profiles"].empty()) return -1.0;
    return j["profiles"][0]["endpoints"][0].value("effective_weight", -1.0);
  };
  EXPECT_GE(within(10, [&] { return effective() == 3.0; }), 0) << serve->log();
  double share = shareOfA();
  EXPECT_NEAR(share, 0.75, 5 * std::sqrt(0.75 * 0.25 / 10000)) << "3 reals x 1 : 1";
  auto metrics = run(lab.client.exec() + "curl -s -m 2 http://127.0.0.1:8054/metrics").output;
  EXPECT_NE(metrics.find("gtm_endpoint_effective_weight{profile=\"aovpn\",endpoint=\"a\"} 3"), std::string::npos);
  EXPECT_NE(metrics.find("gtm_endpoint_effective_weight{profile=\"aovpn\",endpoint=\"b\"} 1"), std::string::npos);

  lab.charons[0]->stop();
  EXPECT_GE(within(10, [&] { return effective() == 2.0; }), 0) << serve->log();
  double after = shareOfA();
  EXPECT_NEAR(after, 2.0 / 3, 5 * std::sqrt(2.0 / 3 * 1.0 / 3 / 10000)) << "2 reals x 1 : 1";
  std::printf("[ figures ] site A's share of 10,000 answers: %.4f with 3 reals, %.4f with 2 (3/4 and 2/3 expected)\n",
              share, after);
}

}  // namespace
}  // namespace gtm::test
