// gtm as a hidden primary, with real secondaries started here on loopback:
// Knot, NSD, BIND 9 and PowerDNS (sqlite3 backend), each with gtm as its
// primary and the TSIG key. Each loads the zone; a site's failure moves
// what every secondary answers (NOTIFY, then IXFR); `kdig +ixfr` shows only
// the changed RRset; transfers without the key, with a wrong key and from
// outside `allow` are refused; a restarted gtm serves no lower serial.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/devtools_client.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/test_config.hpp"
#include "tests/support/unbound.hpp"

namespace gtm::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ask(uint16_t port, const std::string& name, const std::string& type = "A") {
  return trim(run("dig +short +time=1 +tries=1 @127.0.0.1 -p " + std::to_string(port) + " " + name + " " + type).output);
}

uint32_t serialAt(uint16_t port) {
  std::istringstream in(ask(port, "vpn.example.com", "SOA"));
  std::string mname, rname;
  uint32_t serial = 0;
  in >> mname >> rname >> serial;
  return serial;
}

// A secondary server: its name, its port, the process.
struct Secondary {
  std::string name;
  uint16_t port = 0;
  std::unique_ptr<ChildProcess> process;
};

std::string cannotRunSecondaries() {
  for (const char* tool : {"knotd", "kdig", "dig", "tsig-keygen", "sqlite3", "faketime"})
    if (!haveCommand(tool)) return std::string(tool) + " is not installed (scripts/install-deps.sh test)";
  for (const char* path : {"/usr/sbin/nsd", "/usr/sbin/named", "/usr/sbin/pdns_server",
                           "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"})
    if (::access(path, R_OK) != 0) return std::string(path) + " is missing (scripts/install-deps.sh test)";
  return "";
}

std::unique_ptr<ChildProcess> startKnot(const std::string& dir, uint16_t port, uint16_t primary, const std::string& secret) {
  run("mkdir -p " + dir + "/db");
  std::string conf = writeFile(dir, "knot.conf", R"(server:
    listen: 127.0.0.1@)" + std::to_string(port) + R"(
    rundir: ")" + dir + R"("
log:
  - target: stderr
    any: info
database:
    storage: ")" + dir + R"(/db"
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: )" + secret + R"(
remote:
  - id: gtm
    address: 127.0.0.1@)" + std::to_string(primary) + R"(
    key: xfr
acl:
  - id: notify_from_gtm
    address: 127.0.0.1
    key: xfr
    action: notify
zone:
  - domain: vpn.example.com.
    master: gtm
    acl: notify_from_gtm
    file: ")" + dir + R"(/vpn.example.com.zone"
    zonefile-sync: -1
)");
  return ChildProcess::start({"knotd", "-c", conf}, "server started");
}

std::unique_ptr<ChildProcess> startNsd(const std::string& dir, uint16_t port, uint16_t primary, const std::string& secret) {
  std::string conf = writeFile(dir, "nsd.conf", R"(server:
  ip-address: 127.0.0.1@)" + std::to_string(port) + R"(
  username: ""
  chroot: ""
  zonesdir: ")" + dir + R"("
  database: ""
  pidfile: ")" + dir + R"(/nsd.pid"
  xfrdfile: ")" + dir + R"(/xfrd.state"
  zonelistfile: ")" + dir + R"(/zone.list"
  xfrdir: ")" + dir + R"("
  verbosity: 2
  xfrd-reload-timeout: 0
remote-control:
  control-enable: no
key:
  name: xfr
  algorithm: hmac-sha256
  secret: ")" + secret + R"("
zone:
  name: vpn.example.com
  zonefile: vpn.example.com.zone
  allow-notify: 127.0.0.1 xfr
  request-xfr: 127.0.0.1@)" + std::to_string(primary) + R"( xfr
)");
  return ChildProcess::start({"/usr/sbin/nsd", "-d", "-c", conf}, "nsd started");
}

std::unique_ptr<ChildProcess> startBind(const std::string& dir, uint16_t port, uint16_t primary, const std::string& secret) {
  std::string conf = writeFile(dir, "named.conf", R"(options {
  directory ")" + dir + R"(";
  listen-on port )" + std::to_string(port) + R"( { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file ")" + dir + R"(/named.pid";
  session-keyfile ")" + dir + R"(/session.key";
  managed-keys-directory ")" + dir + R"(";
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "xfr" { algorithm hmac-sha256; secret ")" + secret + R"("; };
zone "vpn.example.com" {
  type secondary;
  primaries port )" + std::to_string(primary) + R"( { 127.0.0.1 key xfr; };
  file ")" + dir + R"(/vpn.example.com.bak";
  allow-notify { key xfr; };
};
)");
  return ChildProcess::start({"/usr/sbin/named", "-g", "-c", conf}, "running");
}

std::unique_ptr<ChildProcess> startPowerDns(const std::string& dir, uint16_t port, uint16_t primary,
                                            const std::string& secret) {
  std::string db = dir + "/pdns.sqlite3";
  auto schema = run("sqlite3 " + db + " < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql && sqlite3 " + db +
                    " \"INSERT INTO domains (name, master, type) VALUES ('vpn.example.com', '127.0.0.1:" +
                    std::to_string(primary) +
                    "', 'SLAVE'); INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('xfr', 'hmac-sha256', '" +
                    secret +
                    "'); INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'AXFR-MASTER-TSIG', 'xfr');\"");
  if (schema.exit_code != 0) throw std::runtime_error("pdns sqlite3: " + schema.output);
  writeFile(dir, "pdns.conf", "launch=gsqlite3\ngsqlite3-database=" + db + "\nlocal-address=127.0.0.1\nlocal-port=" +
                                  std::to_string(port) +
                                  "\nsecondary=yes\nallow-notify-from=127.0.0.0/8\nsocket-dir=" + dir +
                                  "\nguardian=no\ndaemon=no\ndisable-syslog=yes\nloglevel=6\nwebserver=no\n"
                                  "xfr-cycle-interval=1\nzone-cache-refresh-interval=0\n");
  return ChildProcess::start({"/usr/sbin/pdns_server", "--config-dir=" + dir}, "Done launching threads");
}

class HiddenPrimary : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = cannotRunSecondaries(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(HiddenPrimary, FailoversReachEverySecondary) {
  std::string dir = makeTempDir();
  auto keygen = run("tsig-keygen -a hmac-sha256 xfr | sed -n 's/.*secret \"\\(.*\\)\";/\\1/p'");
  std::string secret = trim(keygen.output);
  ASSERT_EQ(secret.size(), 44u) << keygen.output;
  writeFile(dir, "xfr.key", secret + "\n");
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  auto west = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.20.10:" + std::to_string(sstp_port)}, "listening");
  std::vector<Secondary> secondaries(4);
  for (size_t i = 0; i < secondaries.size(); ++i) {
    secondaries[i].name = std::vector<std::string>{"Knot", "NSD", "BIND", "PowerDNS"}[i];
    secondaries[i].port = freePort();
  }
  std::string notify;
  for (const Secondary& s : secondaries) notify += std::string(notify.empty() ? "" : ", ") + "\"127.0.0.1:" + std::to_string(s.port) + "\"";
  std::string config = R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1

[status]
listen = "127.0.0.1:{PORT2}"
state_file = ")" + dir + R"(/state.json"

[[tsig_key]]
name = "xfr"
algorithm = "hmac-sha256"
secret_file = ")" + dir + R"(/xfr.key"

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" }, { name = "www", type = "CNAME", data = "aovpn" } ]
transfer = { allow = ["127.0.0.1/32"], tsig = "xfr", notify = [)" + notify + R"(] }

[[monitor]]
name = "sstp"
protocol = "sstp"
port = )" + std::to_string(sstp_port) + R"(
interval = 0.5
timeout = 0.45
tolerated_failures = 0

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "east"
  target = "127.0.10.10"
  [[profile.endpoint]]
  name = "west"
  target = "127.0.20.10"
)";
  auto gtm = GtmProcess::serve(config);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();
  // Started after gtm answers: each asks for the zone at once.
  std::map<std::string, std::function<std::unique_ptr<ChildProcess>(const std::string&, uint16_t, uint16_t, const std::string&)>>
      starters = {{"Knot", startKnot}, {"NSD", startNsd}, {"BIND", startBind}, {"PowerDNS", startPowerDns}};
  for (Secondary& s : secondaries) {
    std::string sdir = dir + "/" + s.name;
    run("mkdir -p " + sdir);
    s.process = starters[s.name](sdir, s.port, gtm->port(), secret);
  }
  for (Secondary& s : secondaries) {
    bool loaded = within(15, [&] { return ask(s.port, "aovpn.vpn.example.com") == "127.0.10.10"; }) >= 0;
    ASSERT_TRUE(loaded) << s.name << " did not load the zone\n" << s.process->log() << "\n" << gtm->log();
    EXPECT_EQ(ask(s.port, "www.vpn.example.com", "CNAME"), "aovpn.vpn.example.com.") << s.name;
  }
  uint32_t before = serialAt(gtm->port());
  for (const Secondary& s : secondaries) EXPECT_EQ(serialAt(s.port), before) << s.name;

  // East fails: gtm moves, then every secondary.
  auto failed_at = Clock::now();
  east.reset();
  ASSERT_GE(within(5, [&] { return ask(gtm->port(), "aovpn.vpn.example.com") == "127.0.20.10"; }), 0);
  auto gtm_moved = Clock::now();
  std::map<std::string, double> lag;
  for (int i = 0; i < 500 && lag.size() < secondaries.size(); ++i) {
    for (const Secondary& s : secondaries)
      if (!lag.count(s.name) && ask(s.port, "aovpn.vpn.example.com") == "127.0.20.10")
        lag[s.name] = std::chrono::duration<double>(Clock::now() - gtm_moved).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::cout << "gtm moved " << std::chrono::duration<double>(gtm_moved - failed_at).count() << " s after the failure\n";
  for (const Secondary& s : secondaries) {
    ASSERT_TRUE(lag.count(s.name)) << s.name << " still answers the failed site\n" << s.process->log();
    std::cout << s.name << " answered the new address " << lag[s.name] << " s after gtm\n";
    // NOTIFY, the SOA query and the IXFR take milliseconds; the bound is for
    // a loaded machine.
    EXPECT_LT(lag[s.name], 3.0) << s.name;
  }
  uint32_t after = serialAt(gtm->port());
  EXPECT_GT(static_cast<int32_t>(after - before), 0);

  // The status API and metrics: every secondary took the new serial by
  // IXFR and is not behind; each was told by NOTIFY.
  std::string status_url = "http://127.0.0.1:" + std::to_string(gtm->port2());
  std::string page = run("curl -s " + status_url + "/api/v1/status").output;
  auto json = nlohmann::json::parse(page, nullptr, false);
  ASSERT_TRUE(json.is_object() && json.contains("transfers")) << page;
  const auto& zone = json["transfers"][0];
  EXPECT_EQ(zone["serial"], after);
  EXPECT_EQ(zone["notify"].size(), secondaries.size()) << zone.dump();
  for (const auto& n : zone["notify"]) {
    EXPECT_EQ(n["serial"], after) << n.dump();
    EXPECT_TRUE(n["answered"].get<bool>()) << n.dump();
  }
  ASSERT_GE(zone["secondaries"].size(), 1u) << zone.dump();
  for (const auto& p : zone["secondaries"]) {
    EXPECT_EQ(p["serial"], after) << p.dump();
    EXPECT_EQ(p["lag_seconds"], 0) << p.dump();
  }
  std::string metrics = run("curl -s " + status_url + "/metrics").output;
  EXPECT_NE(metrics.find("gtm_transfers_total{zone=\"vpn.example.com.\",type=\"IXFR\",peer=\"127.0.0.1\"}"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("gtm_notify_total{zone=\"vpn.example.com.\""), std::string::npos);
  EXPECT_NE(metrics.find("gtm_secondary_serial_lag{zone=\"vpn.example.com.\",peer=\"127.0.0.1\"} 0"), std::string::npos);

  // The dashboard lists the secondaries and the NOTIFYs (headless Chromium).
  if (haveCommand("chromium")) {
    auto browser = DevTools::open(status_url + "/", dir + "/chromium");
    std::string text;
    for (int i = 0; i < 50 && (text = browser->evaluate("document.body.innerText")).find("up to date") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_NE(text.find("secondaries of vpn.example.com. (serial " + std::to_string(after)), std::string::npos) << text;
    EXPECT_NE(text.find("answered (1 tries)"), std::string::npos) << text;
    std::string artifacts = GTM_ARTIFACT_DIR;
    std::filesystem::create_directories(artifacts);
    EXPECT_TRUE(browser->screenshot(artifacts + "/dashboard-secondaries.png"));
  }

  // IXFR from the serial before: the SOAs and the profile's A RRset only.
  std::string key = " -y hmac-sha256:xfr:" + secret;
  std::string at = " @127.0.0.1 -p " + std::to_string(gtm->port());
  auto ixfr = run("kdig +noall +answer" + at + key + " vpn.example.com IXFR=" + std::to_string(before)).output;
  std::istringstream lines(ixfr);
  std::vector<std::string> records;
  for (std::string line; std::getline(lines, line);)
    if (line.find("\tSOA\t") == std::string::npos && line.find("TSIG") == std::string::npos && !line.empty())
      records.push_back(line);
  ASSERT_EQ(records.size(), 2u) << ixfr;
  EXPECT_NE(records[0].find("127.0.10.10"), std::string::npos) << ixfr;  // removed
  EXPECT_NE(records[1].find("127.0.20.10"), std::string::npos) << ixfr;  // added

  // Refused: without the key, with a wrong one, with a skewed clock, from
  // outside allow.
  EXPECT_NE(run("kdig" + at + " vpn.example.com AXFR").output.find("NOTAUTH"), std::string::npos);
  auto wrong = run("kdig" + at + " -y hmac-sha256:xfr:" + std::string(43, 'A') + "= vpn.example.com AXFR").output;
  EXPECT_NE(wrong.find("BADSIG"), std::string::npos) << wrong;  // NOTAUTH with the TSIG error
  // kdig's clock 10 minutes behind: outside the 300 s fudge.
  auto skewed = run("faketime -f -10m kdig" + at + key + " vpn.example.com AXFR").output;
  EXPECT_NE(skewed.find("BADTIME"), std::string::npos) << skewed;
  auto outside = run("kdig -b 127.0.0.2" + at + key + " vpn.example.com AXFR").output;
  EXPECT_NE(outside.find("REFUSED"), std::string::npos) << outside;
  // Over UDP, IXFR answers the current SOA alone.
  auto udp = run("kdig +notcp +noall +answer" + at + key + " vpn.example.com IXFR=" + std::to_string(before)).output;
  EXPECT_NE(udp.find(std::to_string(after)), std::string::npos) << udp;

  // A restarted gtm serves a higher serial, even when the last one ran
  // ahead of the clock (kept beside the admin state).
  gtm.reset();
  std::ifstream kept_file(dir + "/state.json.serials");
  std::string kept((std::istreambuf_iterator<char>(kept_file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "vpn.example.com. " + std::to_string(after) + "\n");
  uint32_t ahead = after + 100000;
  writeFile(dir, "state.json.serials", "vpn.example.com. " + std::to_string(ahead) + "\n");
  auto again = GtmProcess::serve(config);
  uint32_t restarted = 0;
  EXPECT_GE(within(5, [&] { return static_cast<int32_t>((restarted = serialAt(again->port())) - ahead) > 0; }), 0)
      << restarted << " after a serial of " << ahead;
}

// A signed zone through a secondary (the monitor tolerates one failed
// probe: what is tested is validation, not failover speed, and a loaded
// machine must not move the answer early): unbound, with the zone's DS as its
// trust anchor and Knot (gtm's secondary) as the zone's only server,
// validates every answer before and after a failover: the profile's new
// RRset comes with its RRSIG, the SOA with a signature for its new serial,
// and the NODATA for AAAA of a site with IPv4 only with the NSEC that
// leaves AAAA out.
TEST_F(HiddenPrimary, SignedZoneValidatesThroughASecondary) {
  if (auto why = unboundMissing(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("ldns-keygen")) GTEST_SKIP() << "ldns-keygen is not installed (scripts/install-deps.sh test)";
  std::string dir = makeTempDir();
  std::string secret = trim(run("tsig-keygen -a hmac-sha256 xfr | sed -n 's/.*secret \"\\(.*\\)\";/\\1/p'").output);
  ASSERT_EQ(secret.size(), 44u);
  writeFile(dir, "xfr.key", secret + "\n");
  std::string ksk = ldnsKeygen(dir, "-a ECDSAP256SHA256 -k", "vpn.example.com");
  std::string zsk = ldnsKeygen(dir, "-a ECDSAP256SHA256", "vpn.example.com");
  uint16_t sstp_port = freePort(), knot_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  auto west = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.20.10:" + std::to_string(sstp_port)}, "listening");
  auto gtm = GtmProcess::serve(R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1

[[tsig_key]]
name = "xfr"
secret_file = ")" + dir + R"(/xfr.key"

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" }, { name = "www", type = "CNAME", data = "aovpn" } ]
dnssec = { keys = [")" + ksk + R"(", ")" + zsk + R"("] }
transfer = { allow = ["127.0.0.1/32"], tsig = "xfr", notify = ["127.0.0.1:)" + std::to_string(knot_port) + R"("] }

[[monitor]]
name = "sstp"
protocol = "sstp"
port = )" + std::to_string(sstp_port) + R"(
interval = 0.5
timeout = 0.45
tolerated_failures = 1

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 1
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "east"
  target = ["127.0.10.10", "2001:db8::10"]
  [[profile.endpoint]]
  name = "west"
  target = "127.0.20.10"

[[profile]]
name = "spread"
fqdn = "spread.vpn.example.com."
routing = "weighted"
ttl = 1
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.1"
  [[profile.endpoint]]
  name = "b"
  target = "192.0.2.2"
)");
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();
  run("mkdir -p " + dir + "/knot");
  auto knot = startKnot(dir + "/knot", knot_port, gtm->port(), secret);
  ASSERT_GE(within(15, [&] { return ask(knot_port, "aovpn.vpn.example.com") == "127.0.10.10"; }), 0) << knot->log();

  auto ds = run(std::string(GTM_BINARY) + " dnssec ds vpn.example.com --config " + gtm->configPath());
  std::string anchor = ds.output.substr(0, ds.output.find('\n'));
  auto validating = startUnbound(dir, anchor, "vpn.example.com", knot_port);
  uint16_t resolver = validating.port;
  auto validated = [&](const std::string& name, const std::string& type, const std::string& rcode,
                       const std::string& want) {
    Resolved r = resolve(resolver, name, type);
    EXPECT_EQ(r.rcode, rcode) << name << " " << type << "\n" << r.output << validating.process->log();
    EXPECT_TRUE(r.ad) << name << " " << type << " did not validate\n" << r.output << validating.process->log();
    if (!want.empty()) {
      EXPECT_NE(r.answers.find(want), std::string::npos) << name << " " << type << "\n" << r.output;
    }
  };
  validated("aovpn.vpn.example.com", "A", "NOERROR", "127.0.10.10");
  validated("aovpn.vpn.example.com", "AAAA", "NOERROR", "2001:db8::10");
  validated("www.vpn.example.com", "A", "NOERROR", "127.0.10.10");
  validated("spread.vpn.example.com", "A", "NOERROR", "192.0.2.2");  // every available endpoint
  validated("nothing.vpn.example.com", "A", "NXDOMAIN", "");
  validated("ns1.vpn.example.com", "MX", "NOERROR", "");

  east.reset();
  ASSERT_GE(within(10, [&] { return ask(knot_port, "aovpn.vpn.example.com") == "127.0.20.10"; }), 0) << knot->log();
  // Once the profile's TTL (1 s) has run out in unbound's cache.
  EXPECT_GE(within(10, [&] { return ask(resolver, "aovpn.vpn.example.com") == "127.0.20.10"; }), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the AAAA cached before, too
  validated("aovpn.vpn.example.com", "A", "NOERROR", "127.0.20.10");
  validated("aovpn.vpn.example.com", "AAAA", "NOERROR", "");  // NODATA: west has no IPv6
  validated("vpn.example.com", "SOA", "NOERROR", "");
}

// Two cluster nodes (etcd) with the same answers serve the same serial, so
// a secondary may list both as primaries: after start and after a failover
// both have one serial, and an IXFR from the second node bridges from the
// serial the first one served before.
TEST_F(HiddenPrimary, ClusterNodesServeOneSerial) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  auto etcd = Etcd::start();
  std::string dir = makeTempDir();
  std::string secret = "zSjT8L6kA2Zf5PM7KlcUErq/h+qyfT41NDofg2Y+NMQ=";
  writeFile(dir, "xfr.key", secret + "\n");
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  auto west = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.20.10:" + std::to_string(sstp_port)}, "listening");
  std::string config = "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[cluster]\netcd = [\"" + etcd->url() +
                       "\"]\nlease_ttl = 3\n\n[[tsig_key]]\nname = \"xfr\"\nsecret_file = \"" + dir + "/xfr.key\"\n\n" +
                       minimalZone() + "transfer = { allow = [\"127.0.0.1/32\"], tsig = \"xfr\" }\n" +
                       twoSiteSstpProfile(sstp_port);
  auto ns1 = GtmProcess::serve(config, {"--node", "ns1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a later start: another clock serial
  auto ns2 = GtmProcess::serve(config, {"--node", "ns2"});
  ASSERT_GE(waitForAnswer(ns1->port(), "127.0.10.10", 5), 0) << ns1->log();
  ASSERT_GE(waitForAnswer(ns2->port(), "127.0.10.10", 5), 0) << ns2->log();
  uint32_t first = 0;
  EXPECT_GE(within(5, [&] { return (first = serialAt(ns1->port())) == serialAt(ns2->port()); }), 0)
      << serialAt(ns1->port()) << " " << serialAt(ns2->port()) << "\n" << ns2->log();

  east.reset();
  for (auto* node : {ns1.get(), ns2.get()})
    ASSERT_GE(within(5, [&] { return ask(node->port(), "aovpn.vpn.example.com") == "127.0.20.10"; }), 0);
  uint32_t second = 0;
  EXPECT_GE(within(5, [&] {
              second = serialAt(ns1->port());
              return second != first && second == serialAt(ns2->port());
            }), 0)
      << first << " -> " << serialAt(ns1->port()) << " / " << serialAt(ns2->port());
  EXPECT_GT(static_cast<int32_t>(second - first), 0);
  // Node 2's journal bridges from the serial node 1 served before.
  auto ixfr = run("kdig +noall +answer @127.0.0.1 -p " + std::to_string(ns2->port()) + " -y hmac-sha256:xfr:" + secret +
                  " vpn.example.com IXFR=" + std::to_string(first)).output;
  EXPECT_NE(ixfr.find("127.0.10.10"), std::string::npos) << ixfr;  // removed
  EXPECT_NE(ixfr.find("127.0.20.10"), std::string::npos) << ixfr;  // added
  EXPECT_EQ(ixfr.find("192.0.2.53"), std::string::npos) << "the whole zone, not the difference\n" << ixfr;
}

}  // namespace
}  // namespace gtm::test
