// DNSSEC end to end: gtm serve with a signed zone (keys made here with
// ldns-keygen, in both algorithms), and Debian's unbound as the validating
// resolver, with the zone's DS (from `gtm dnssec ds`) as its trust anchor
// and a stub zone pointing at gtm. Every answer must come back with the AD
// bit: a profile's answer before and after a failover, a multivalue answer,
// static records through a CNAME, NXDOMAIN, NODATA (an existing name, an
// empty non-terminal, a fail-closed profile with no endpoint up), names
// below a profile, SOA, NS, DNSKEY. kdig cross-checks what gtm sends
// without the DO bit: no RRSIG.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/unbound.hpp"

namespace gtm::test {
namespace {

std::string keygen(const std::string& dir, const std::string& args) { return ldnsKeygen(dir, args, "vpn.example.com"); }

class Dnssec : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"ldns-keygen", "dig", "kdig"})
      if (!haveCommand(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps.sh test)";
    if (auto why = unboundMissing(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(Dnssec, UnboundValidatesEveryKindOfAnswer) {
  std::string dir = makeTempDir();
  std::string ksk = keygen(dir, "-a ECDSAP256SHA256 -k"), zsk = keygen(dir, "-a ED25519");
  ASSERT_FALSE(ksk.empty() || zsk.empty());
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  auto west = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.20.10:" + std::to_string(sstp_port)}, "listening");
  std::string config = R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" }, { name = "www", type = "CNAME", data = "aovpn" },
            { name = "txt.deep", type = "TXT", data = "hello" } ]
dnssec = { keys = [")" + ksk + R"(", ")" + zsk + R"("] }

[[monitor]]
name = "sstp"
protocol = "sstp"
port = )" + std::to_string(sstp_port) + R"(
interval = 0.5
timeout = 0.3
tolerated_failures = 0

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 1
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "east"
  target = "127.0.10.10"
  [[profile.endpoint]]
  name = "west"
  target = "127.0.20.10"

[[profile]]
name = "multi"
fqdn = "multi.vpn.example.com."
routing = "multivalue"
max_answers = 2
  [[profile.endpoint]]
  name = "a"
  target = ["192.0.2.1", "2001:db8::1"]
  [[profile.endpoint]]
  name = "b"
  target = "192.0.2.2"
  [[profile.endpoint]]
  name = "c"
  target = "192.0.2.3"

[[profile]]
name = "closed"
fqdn = "closed.vpn.example.com."
all_degraded = "fail-closed"
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "nowhere"
  target = "127.0.30.10"
)";
  auto gtm = GtmProcess::serve(config);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log();
  auto ds = run(kGtm + " dnssec ds vpn.example.com --config " + gtm->configPath());
  ASSERT_EQ(ds.exit_code, 0) << ds.output;
  auto empty = run(kGtm + " dnssec ds '' --config " + gtm->configPath());  // read past an empty name before
  EXPECT_EQ(empty.exit_code, 1) << empty.output;
  std::string anchor = ds.output.substr(0, ds.output.find('\n'));

  auto validating = startUnbound(dir, anchor, "vpn.example.com", gtm->port());
  uint16_t resolver = validating.port;
  auto& unbound = validating.process;

  struct Case {
    std::string name, type, rcode, answer;  // answer: a line the answer section must hold ("" = none, "?" = either)
  } cases[] = {
      {"aovpn.vpn.example.com", "A", "NOERROR", "127.0.10.10"},
      {"multi.vpn.example.com", "A", "NOERROR", "192.0.2."},
      // Only endpoint a has IPv6: two of three picked without it is NODATA.
      {"multi.vpn.example.com", "AAAA", "NOERROR", "?"},
      {"www.vpn.example.com", "A", "NOERROR", "127.0.10.10"},
      {"ns1.vpn.example.com", "A", "NOERROR", "127.0.0.53"},
      {"txt.deep.vpn.example.com", "TXT", "NOERROR", "\"hello\""},
      {"vpn.example.com", "SOA", "NOERROR", "ns1.vpn.example.com."},
      {"vpn.example.com", "NS", "NOERROR", "ns1.vpn.example.com."},
      {"vpn.example.com", "DNSKEY", "NOERROR", "257 3 13"},
      {"nothing.vpn.example.com", "A", "NXDOMAIN", ""},
      {"below.aovpn.vpn.example.com", "A", "NXDOMAIN", ""},
      {"zzz.vpn.example.com", "A", "NXDOMAIN", ""},
      {"ns1.vpn.example.com", "MX", "NOERROR", ""},             // NODATA, an existing name
      {"aovpn.vpn.example.com", "TXT", "NOERROR", ""},          // NODATA at a profile
      {"aovpn.vpn.example.com", "AAAA", "NOERROR", ""},         // a profile without IPv6
      {"deep.vpn.example.com", "A", "NOERROR", ""},             // an empty non-terminal
      {"closed.vpn.example.com", "A", "NOERROR", ""},           // fail-closed, nothing up: NODATA
      // Type NSEC at existing names: the NSEC RRset (its data holds
      // "RRSIG", so the answers read as empty here); it was a NODATA whose
      // NSEC listed the type: bogus.
      {"ns1.vpn.example.com", "NSEC", "NOERROR", ""},
      {"aovpn.vpn.example.com", "NSEC", "NOERROR", ""},
      {"vpn.example.com", "NSEC", "NOERROR", ""},
  };
  // The fail-closed profile's only endpoint never answers: wait for it.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  for (const Case& c : cases) {
    Resolved r = resolve(resolver, c.name, c.type);
    EXPECT_EQ(r.rcode, c.rcode) << c.name << " " << c.type << "\n" << unbound->log();
    EXPECT_TRUE(r.ad) << c.name << " " << c.type << " did not validate\n" << unbound->log();
    if (c.answer.empty())
      EXPECT_EQ(r.answers, "") << c.name << " " << c.type;
    else if (c.answer == "?")
      EXPECT_TRUE(r.answers.empty() || r.answers == "2001:db8::1\n") << r.answers;
    else
      EXPECT_NE(r.answers.find(c.answer), std::string::npos) << c.name << " " << c.type << ": " << r.answers;
  }

  // Type RRSIG: the name's RRSIGs (no validator sets AD on RRSIGs, which
  // are not signed themselves); it was bogus NODATA, SERVFAIL here.
  Resolved sigs = resolve(resolver, "ns1.vpn.example.com", "RRSIG");
  EXPECT_EQ(sigs.rcode, "NOERROR") << unbound->log();

  // Failover: east dies, the answer moves to west, still validated.
  east->stop();
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 3), 0);
  // Once the profile's TTL (1 s) has run out in unbound's cache.
  Resolved after;
  for (int i = 0; i < 30 && after.answers != "127.0.20.10\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    after = resolve(resolver, "aovpn.vpn.example.com", "A");
  }
  EXPECT_EQ(after.answers, "127.0.20.10\n");
  EXPECT_TRUE(after.ad) << unbound->log();

  // A corrupt private key in a reload is refused; the signed zone served
  // before goes on. (gtm serves as nobody here: the key files are made
  // readable to it, as a deployment makes them readable to gtm's group.)
  ASSERT_EQ(run("chmod 0644 " + zsk + ".private").exit_code, 0);
  ASSERT_EQ(run("sed -i 's/^PrivateKey: .*/PrivateKey: !!!/' " + zsk + ".private").exit_code, 0);
  ::kill(gtm->pid(), SIGHUP);
  for (int i = 0; i < 30 && gtm->log().find("reload failed") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(gtm->log().find(".private: PrivateKey is not 32 bytes of base64"), std::string::npos) << gtm->log();
  EXPECT_TRUE(resolve(resolver, "ns1.vpn.example.com", "A").ad);

  // Without the DO bit gtm sends no RRSIG; with it, the answer's RRSIG.
  std::string at = " @127.0.0.1 -p " + std::to_string(gtm->port());
  EXPECT_EQ(run("kdig +noall +answer aovpn.vpn.example.com A" + at).output.find("RRSIG"), std::string::npos);
  EXPECT_NE(run("kdig +dnssec +noall +answer aovpn.vpn.example.com A" + at).output.find("RRSIG"), std::string::npos);
  // ANY (RFC 8482): one RRset, with its RRSIG. A signed NXDOMAIN that does
  // not fit 512 bytes: TC, and whole over TCP.
  auto any = run("kdig +dnssec +noall +answer vpn.example.com ANY" + at).output;
  EXPECT_NE(any.find("SOA"), std::string::npos) << any;
  EXPECT_NE(any.find("RRSIG"), std::string::npos) << any;
  EXPECT_NE(run("dig +dnssec +bufsize=512 +ignore nothing.vpn.example.com A" + at).output.find(" tc"), std::string::npos);
  // SOA and two NSEC, each signed with both algorithms (RFC 4035 2.2).
  EXPECT_NE(run("dig +dnssec +tcp nothing.vpn.example.com A" + at).output.find("AUTHORITY: 9"), std::string::npos);
}

// The expiration of the first RRSIG in an answer, as seconds since the
// epoch; 0 when there is none.
time_t rrsigExpiration(const std::string& dig_output) {
  std::istringstream in(dig_output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::vector<std::string> fields;
    for (std::string w; f >> w;) fields.push_back(w);
    for (size_t i = 0; i + 5 < fields.size(); ++i)
      if (fields[i] == "RRSIG") {
        std::tm t{};
        if (!strptime(fields[i + 5].c_str(), "%Y%m%d%H%M%S", &t)) return 0;
        return timegm(&t);
      }
  }
  return 0;
}

// Signatures valid for 6 s (a test-only setting) are made again halfway,
// off the query path, while queries run: none is ever served expired.
// Renewal works from what is loaded: the [geoip] database is truncated on
// disk once gtm runs (the reload that follows is refused), and signatures
// are renewed all the same.
TEST_F(Dnssec, SignaturesAreRenewedBeforeTheyExpire) {
  if (run("perl -MMaxMind::DB::Writer::Tree -e 1").exit_code != 0)
    GTEST_SKIP() << "libmaxmind-db-writer-perl is not installed (scripts/install-deps.sh test)";
  std::string dir = makeTempDir();
  std::string csk = keygen(dir, "-a ED25519 -k");
  ASSERT_FALSE(csk.empty());
  const std::string geo = dir + "/geo.mmdb";
  auto made = run("perl " + std::string(GTM_SOURCE_DIR) + "/tests/support/make_geoip_db.pl " + geo);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto gtm = GtmProcess::serve(R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1

[status]
listen = "127.0.0.1:{PORT2}"

[geoip]
database = ")" + geo + R"("

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" } ]
dnssec = { keys = [")" + csk + R"("], test_validity_seconds = 6 }

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
  [[profile.endpoint]]
  name = "east"
  target = "192.0.2.10"
)");
  ASSERT_EQ(run(": > " + geo).exit_code, 0);  // truncated in place
  std::set<time_t> seen;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(9);
  int queries = 0;
  while (std::chrono::steady_clock::now() < until) {
    for (const char* name : {"aovpn.vpn.example.com", "ns1.vpn.example.com"}) {
      // Asked again when dig got no answer: with tests running side by
      // side, a stray datagram (another test's probe to a port it thought
      // silent) can reach dig's own port first ("query response not set").
      CommandResult r;
      time_t expires = 0;
      for (int attempt = 0; attempt < 3 && expires == 0; ++attempt) {
        r = run("dig +dnssec +noall +answer +time=1 +tries=1 @127.0.0.1 -p " + std::to_string(gtm->port()) + " " +
                name + " A");
        expires = rrsigExpiration(r.output);
      }
      ASSERT_GT(expires, 0) << r.output << gtm->log();
      EXPECT_GT(expires, ::time(nullptr)) << name << " was served with an expired signature";
      seen.insert(expires);
      ++queries;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(seen.size(), 3u) << "signatures renewed every 3 s over 9 s; " << queries << " queries\n" << gtm->log();
  EXPECT_NE(gtm->log().find("DNSSEC signatures renewed"), std::string::npos);
  // The metric and the API say when the signatures expire; no warning
  // while renewal keeps up.
  auto metrics = run("curl -s http://127.0.0.1:" + std::to_string(gtm->port2()) + "/metrics").output;
  const std::string series = "gtm_dnssec_signature_expiry_seconds{zone=\"vpn.example.com.\"} ";
  auto at = metrics.find(series);
  ASSERT_NE(at, std::string::npos) << metrics;
  long expiry = std::stol(metrics.substr(at + series.size()));
  EXPECT_GT(expiry, ::time(nullptr));
  EXPECT_LE(expiry, ::time(nullptr) + 6);
  auto status = run("curl -s http://127.0.0.1:" + std::to_string(gtm->port2()) + "/api/v1/status").output;
  EXPECT_NE(status.find("\"role\":\"CSK\""), std::string::npos) << status;
  EXPECT_EQ(status.find("\"warning\""), std::string::npos) << status;
  EXPECT_NE(metrics.find("\ngtm_dnssec_renewal_failures_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(gtm->log().find("reload failed"), std::string::npos) << "the truncated database was refused\n" << gtm->log();
}

}  // namespace
}  // namespace gtm::test
