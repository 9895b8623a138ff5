// A DNS test suite nobody here wrote, beside a reference server: Debian's
// Zonemaster (zonemaster-cli 5.0, undelegated mode with the zone's DS)
// over a signed gtm zone with a CNAME, MX, SRV and CAA and a profile of
// each routing method, and over the same zone served by Knot: the records
// are what gtm answers (dig), signed with the same keys by ldns-signzone.
// Each server runs alone on 127.0.0.2:53 in a network namespace that has
// only loopback, so Zonemaster's look-ups of the root and the parents fail
// at once and reach nothing outside. gtm may draw no Zonemaster message
// (NOTICE and above) that Knot does not draw too; what both draw comes from
// the setup (loopback addresses, one address for both name servers).
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>

#include "tests/support/charon.hpp"
#include "tests/support/gtm_process.hpp"

namespace gtm::test {
namespace {

const std::string kMakeDb = std::string(GTM_SOURCE_DIR) + "/tests/support/make_geoip_db.pl";

std::string cannotRunSuite() {
  if (::geteuid() != 0) return "name servers on port 53 in network namespaces need root (CI runs as root)";
  for (const char* tool : {"zonemaster-cli", "ldns-keygen", "ldns-signzone", "dig", "knotd"})
    if (!haveCommand(tool)) return std::string(tool) + " is not installed (scripts/install-deps.sh test)";
  if (run("perl -MMaxMind::DB::Writer::Tree -e 1").exit_code != 0)
    return "libmaxmind-db-writer-perl is not installed (scripts/install-deps.sh test)";
  return NetNamespace::cannotCreate();
}

// "LEVEL TESTCASE TAG" of each message, and the whole output for failures.
struct SuiteReport {
  std::multiset<std::string> messages;
  std::string output;
  [[nodiscard]] bool has(const std::string& tag) const {
    for (const std::string& m : messages)
      if (m.size() > tag.size() && m.compare(m.size() - tag.size(), tag.size(), tag) == 0) return true;
    return false;
  }
};

SuiteReport zonemaster(const NetNamespace& ns, const std::string& ds) {
  auto r = run(ns.exec() + "zonemaster-cli vpn.example.com --ns ns1.vpn.example.com/127.0.0.2 "
                           "--ns ns2.vpn.example.com/127.0.0.2 --ds " + ds +
                   " --no-ipv6 --json --level NOTICE --no-progress 2>&1",
               180);
  SuiteReport out;
  out.output = r.output;
  auto json = nlohmann::json::parse(r.output.substr(std::min(r.output.find('['), r.output.size())), nullptr, false);
  if (!json.is_array()) return out;
  for (const auto& m : json)
    if (m.is_object())
      out.messages.insert(m.value("level", "") + " " + m.value("testcase", "") + " " + m.value("tag", ""));
  return out;
}

// The DS of the zone's KSK as Zonemaster takes it: "tag,alg,digest type,digest".
std::string zonemasterDs(const std::string& config_path) {
  auto ds = run(kGtm + " dnssec ds vpn.example.com --config " + config_path);
  std::istringstream in(ds.output.substr(0, ds.output.find('\n')));
  std::string owner, ttl, cls, type, tag, alg, digest_type, digest;
  in >> owner >> ttl >> cls >> type >> tag >> alg >> digest_type >> digest;
  return tag + "," + alg + "," + digest_type + "," + digest;
}

std::string zoneConfig(const std::string& ksk, const std::string& zsk, const std::string& geoip) {
  return R"([dns]
listen = ["127.0.0.2:53"]
threads = 1

[geoip]
database = ")" + geoip + R"("

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com.", "ns2.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.2" }, { name = "ns2", type = "A", data = "127.0.0.2" },
            { name = "www", type = "CNAME", data = "aovpn" },
            { name = "@", type = "MX", data = "10 mail.example.com." },
            { name = "_sstp._tcp", type = "SRV", data = "0 0 443 aovpn.vpn.example.com." },
            { name = "@", type = "CAA", data = "0 issue \"letsencrypt.org\"" } ]
dnssec = { keys = [")" + ksk + R"(", ")" + zsk + R"("] }

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
  [[profile.endpoint]]
  name = "east"
  target = ["192.0.2.10", "2001:db8::10"]
  [[profile.endpoint]]
  name = "west"
  target = "192.0.2.20"

[[profile]]
name = "weighted"
fqdn = "weighted.vpn.example.com."
routing = "weighted"
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.31"
  weight = 3
  [[profile.endpoint]]
  name = "b"
  target = "192.0.2.32"

[[profile]]
name = "multi"
fqdn = "multi.vpn.example.com."
routing = "multivalue"
max_answers = 3
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.41"
  [[profile.endpoint]]
  name = "b"
  target = "192.0.2.42"

[[profile]]
name = "subnet"
fqdn = "subnet.vpn.example.com."
routing = "subnet"
  [[profile.endpoint]]
  name = "inside"
  target = "192.0.2.51"
  subnets = ["10.0.0.0/8"]
  [[profile.endpoint]]
  name = "rest"
  target = "192.0.2.52"

[[profile]]
name = "geo"
fqdn = "geo.vpn.example.com."
routing = "geographic"
  [[profile.endpoint]]
  name = "europe"
  target = "192.0.2.61"
  regions = ["EU"]
  [[profile.endpoint]]
  name = "elsewhere"
  target = "192.0.2.62"
  fallback = true

[[profile]]
name = "nested"
fqdn = "nested.vpn.example.com."
  [[profile.endpoint]]
  name = "primary"
  profile = "multi"
  [[profile.endpoint]]
  name = "backup"
  target = "192.0.2.71"
)";
}

// The zone as gtm answers it, as a zone file: every name and type the
// config holds, asked over UDP without DO.
std::string zoneFileFromAnswers(const NetNamespace& ns) {
  const std::vector<std::pair<std::string, std::string>> questions = {
      {"", "SOA"},    {"", "NS"},          {"", "MX"},           {"", "CAA"},  {"ns1", "A"},
      {"ns2", "A"},   {"www", "CNAME"},    {"_sstp._tcp", "SRV"}, {"aovpn", "A"}, {"aovpn", "AAAA"},
      {"weighted", "A"}, {"multi", "A"}, {"subnet", "A"},      {"geo", "A"}, {"nested", "A"}};
  std::string zone;
  for (const auto& [name, type] : questions) {
    std::string fqdn = (name.empty() ? "" : name + ".") + "vpn.example.com.";
    auto r = run(ns.exec() + "dig +noall +answer +norec +time=2 +tries=2 @127.0.0.2 " + fqdn + " " + type);
    if (r.exit_code != 0 || r.output.empty()) return "";
    zone += r.output;
  }
  return zone;
}

class DnsSuites : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = cannotRunSuite(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(DnsSuites, ZonemasterFindsNothingInGtmThatItDoesNotFindInKnot) {
  std::string dir = makeTempDir();
  std::string ksk = ldnsKeygen(dir, "-a ECDSAP256SHA256 -k", "vpn.example.com");
  std::string zsk = ldnsKeygen(dir, "-a ECDSAP256SHA256", "vpn.example.com");
  ASSERT_FALSE(ksk.empty() || zsk.empty());
  auto db = run("perl " + kMakeDb + " " + dir + "/geo.mmdb");
  ASSERT_EQ(db.exit_code, 0) << db.output;
  std::string config = writeFile(dir, "gtm.toml", zoneConfig(ksk, zsk, dir + "/geo.mmdb"));
  std::string ds = zonemasterDs(config);

  NetNamespace gtm_ns;
  SuiteReport gtm_report;
  std::string zone;
  {
    auto gtm = ChildProcess::start({"ip", "netns", "exec", gtm_ns.name(), kGtm, "serve", "--config", config}, "serving");
    zone = zoneFileFromAnswers(gtm_ns);
    ASSERT_FALSE(zone.empty()) << gtm->log();
    gtm_report = zonemaster(gtm_ns, ds);
  }

  // Knot serves the same records, signed by ldns-signzone with the same keys.
  std::string zone_file = writeFile(dir, "vpn.example.com.zone", zone);
  auto sign = run("cd " + dir + " && ldns-signzone -o vpn.example.com. " + zone_file + " " + ksk + " " + zsk);
  ASSERT_EQ(sign.exit_code, 0) << sign.output << zone;
  std::string knot_conf = writeFile(dir, "knot.conf", R"(server:
    listen: 127.0.0.2@53
    rundir: ")" + dir + R"("
log:
  - target: stderr
    any: info
database:
    storage: ")" + dir + R"(/knot-db"
zone:
  - domain: vpn.example.com.
    file: ")" + zone_file + R"(.signed"
    journal-content: none
    zonefile-sync: -1
)");
  NetNamespace knot_ns;
  SuiteReport knot_report;
  {
    auto knot = ChildProcess::start({"ip", "netns", "exec", knot_ns.name(), "knotd", "-c", knot_conf}, "loaded, serial");
    knot_report = zonemaster(knot_ns, ds);
  }

  // The run must have tested something: both servers reached and DNSSEC
  // checked (Knot's report is not empty; it holds the loopback findings).
  ASSERT_FALSE(knot_report.messages.empty()) << knot_report.output;
  ASSERT_FALSE(gtm_report.messages.empty()) << gtm_report.output;
  EXPECT_TRUE(knot_report.has("NAMESERVER_IP_PRIVATE_NETWORK")) << knot_report.output;
  std::string only_gtm;
  for (const std::string& m : gtm_report.messages)
    if (knot_report.messages.count(m) == 0) only_gtm += m + "\n";
  EXPECT_EQ(only_gtm, "") << "--- gtm:\n" << gtm_report.output << "\n--- Knot:\n" << knot_report.output << "\n--- zone:\n"
                          << zone;
  for (const char* tag : {"NO_RESPONSE", "DS13_ALGO_NOT_SIGNED", "RRSIG_NOT_VALID", "NO_KEYS_OR_NO_SIGS"})
    EXPECT_FALSE(gtm_report.has(tag)) << tag;
}

// RFC 4035 2.2: every RRset is signed with each algorithm of the DNSKEY
// RRset. With an ECDSA KSK and an Ed25519 ZSK, each key signs everything;
// before, Zonemaster warned DS13_ALGO_NOT_SIGNED_{DNSKEY,SOA,NS}.
TEST_F(DnsSuites, ZonemasterAcceptsAZoneOfTwoAlgorithms) {
  std::string dir = makeTempDir();
  std::string ksk = ldnsKeygen(dir, "-a ECDSAP256SHA256 -k", "vpn.example.com");
  std::string zsk = ldnsKeygen(dir, "-a ED25519", "vpn.example.com");
  ASSERT_FALSE(ksk.empty() || zsk.empty());
  auto db = run("perl " + kMakeDb + " " + dir + "/geo.mmdb");
  ASSERT_EQ(db.exit_code, 0) << db.output;
  std::string config = writeFile(dir, "gtm.toml", zoneConfig(ksk, zsk, dir + "/geo.mmdb"));
  NetNamespace ns;
  auto gtm = ChildProcess::start({"ip", "netns", "exec", ns.name(), kGtm, "serve", "--config", config}, "serving");
  SuiteReport report = zonemaster(ns, zonemasterDs(config));
  ASSERT_FALSE(report.messages.empty()) << report.output;
  std::string dnssec;
  for (const std::string& m : report.messages)
    if (m.find(" DNSSEC") != std::string::npos) dnssec += m + "\n";
  EXPECT_EQ(dnssec, "") << report.output;
}

}  // namespace
}  // namespace gtm::test
