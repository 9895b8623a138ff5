// check_revocation on SSTP monitors (issue 27) against a PKI made here with
// `openssl ca`: a root, an issuing CA whose certificate names the root's
// CRL, and leaves for the SSTP stand-ins naming the issuing CA's CRL (and an
// LDAP one), and `openssl ocsp` as their responder; nginx serves the CRLs on
// loopback. What Windows clients would refuse must be what gtm reports.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/socket_servers.hpp"
#include "tests/support/test_config.hpp"
#include "tests/support/test_pki.hpp"

namespace gtm::test {
namespace {

using namespace std::chrono;

// The PKI, its web server and its OCSP responder, on ports fixed before
// the certificates that name them are issued.
struct RevocationLab {
  std::string dir = makeTempDir();
  uint16_t http_port = freePort(), ocsp_port = freePort(), sstp_port = freePort();
  std::unique_ptr<OpensslCa> root, issuing;
  std::unique_ptr<StaticHttpServer> www;
  std::unique_ptr<ChildProcess> ocsp;
  bool ok = false;

  std::string crlUrl(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(http_port) + "/" + name + ".crl";
  }
  std::string ocspUrl() const { return "http://127.0.0.1:" + std::to_string(ocsp_port) + "/"; }

  RevocationLab() {
    root = std::make_unique<OpensslCa>(dir, "root", "/CN=gtm test root",
                                       "[issuing_ext]\nbasicConstraints = critical,CA:TRUE,pathlen:0\n"
                                       "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n"
                                       "authorityKeyIdentifier = keyid\ncrlDistributionPoints = URI:" + crlUrl("root") + "\n");
    issuing = std::make_unique<OpensslCa>(
        dir, "issuing", "/CN=gtm test issuing CA", *root, "issuing_ext",
        "[leaf_ext]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n"
        "subjectAltName = DNS:vpn.example.com\nauthorityKeyIdentifier = keyid\ncrlDistributionPoints = URI:" +
            crlUrl("issuing") + ", URI:ldap://pki.example.com/CN=issuing?certificateRevocationList\n"
            "authorityInfoAccess = OCSP;URI:" + ocspUrl() + "\n"
        // A leaf with its CRL alone (no OCSP to vouch instead), and the
        // CRL extension that names the delta CRLs, as AD CS publishes them.
        "[crl_only_ext]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
        "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:vpn.example.com\nauthorityKeyIdentifier = keyid\n"
        "crlDistributionPoints = URI:" + crlUrl("issuing") + "\n"
        "[delta_ext]\nauthorityKeyIdentifier = keyid\nfreshestCRL = URI:" + crlUrl("issuing-delta") + "\n"
        // (X509_CRL_diff wants the base's and the newer list's key identifiers alike.)
        "[newer_ext]\nauthorityKeyIdentifier = keyid\n");
    if (!root->ok || !issuing->ok) return;
    for (const char* leaf : {"east", "west", "other"})
      if (!issuing->issue(leaf, "/CN=vpn.example.com", "leaf_ext") ||
          run("cat " + issuing->dir + "/" + leaf + ".pem " + issuing->cert() + " > " + dir + "/" + leaf + "-chain.pem")
                  .exit_code != 0)
        return;
    www = std::make_unique<StaticHttpServer>(dir, http_port);
    if (!www->ok() || !publish(*root, "root") || !publish(*issuing, "issuing")) return;
    startOcsp();
    ok = ocsp != nullptr;
  }

  // The CA's CRL with `options`, published where its certificates say.
  bool publish(const OpensslCa& ca, const std::string& name, const std::string& options = "") const {
    return ca.crl(www->root() + "/" + name + ".crl", options);
  }

  void startOcsp() {
    ocsp = ChildProcess::start({"openssl", "ocsp", "-index", issuing->dir + "/index.txt", "-port",
                                std::to_string(ocsp_port), "-rsigner", issuing->cert(), "-rkey", issuing->key(), "-CA",
                                issuing->cert(), "-nmin", "10", "-ignore_err"},
                               "waiting for OCSP client connections");
  }

  // openssl ocsp reads its index again after the request following a
  // change: one request from here, so that gtm's next one sees it.
  void pokeOcsp() const {
    run("openssl ocsp -issuer " + issuing->cert() + " -cert " + issuing->dir + "/other.pem -url " + ocspUrl() +
        " -noverify -no_nonce 2>&1");
  }

  std::unique_ptr<ChildProcess> sstpServer(const std::string& leaf, const std::string& address) const {
    return ChildProcess::start({SSTP_TEST_SERVER, "--listen", address + ":" + std::to_string(sstp_port), "--chain",
                                dir + "/" + leaf + "-chain.pem", "--key", issuing->dir + "/" + leaf + ".key"},
                               "listening");
  }
};

struct ProbeOutput {
  int exit_code = -1;
  nlohmann::json json;
  double seconds = 0;
  std::string text;
  std::string reason() const { return json.value("reason", std::string()); }
  std::string warning() const { return json.value("warning", std::string()); }
  std::string detail(const std::string& key) const {
    return json.contains("details") ? json["details"].value(key, std::string()) : std::string();
  }
};

// `gtm probe` of the lab's server with revocation checks: `protocol` and
// its `options` (the SSTP status GET by default).
ProbeOutput probeChain(const RevocationLab& lab, double timeout = 2, const std::string& protocol = "sstp",
                       const std::string& options = "") {
  ProbeOutput out;
  auto started = steady_clock::now();
  auto r = run(kGtm + " probe " + protocol + " 127.0.0.1 " + options + " --port " + std::to_string(lab.sstp_port) +
               " --host vpn.example.com --verify-tls --ca-file " + lab.root->cert() +
               " --check-revocation --json --timeout " + std::to_string(timeout));
  out.seconds = duration<double>(steady_clock::now() - started).count();
  out.exit_code = r.exit_code;
  out.text = r.output;
  out.json = nlohmann::json::parse(r.output, nullptr, false);
  if (!out.json.is_object()) out.json = nlohmann::json::object();
  return out;
}

bool skipWithout() {
  for (const char* tool : {"openssl", "nginx"})
    if (!haveCommand(tool)) return true;
  return false;
}

TEST(Revocation, GtmProbeChecksEachUrlAsWindowsDoes) {
  if (skipWithout()) GTEST_SKIP() << "openssl or nginx is not installed (scripts/install-deps.sh test)";
  RevocationLab lab;
  ASSERT_TRUE(lab.ok) << (lab.ocsp ? lab.ocsp->log() : "no OCSP responder");
  auto east = lab.sstpServer("east", "127.0.0.1");
  ASSERT_TRUE(east);
  const std::string issuing_crl = "CRL " + lab.crlUrl("issuing"), root_crl = "CRL " + lab.crlUrl("root");
  const std::string ocsp = "OCSP " + lab.ocspUrl();

  // Everything current: each URL of the chain checked and listed.
  auto p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 0) << p.text;
  EXPECT_EQ(p.json.value("revocation_ok", false), true) << p.text;
  EXPECT_EQ(p.warning(), "") << p.text;
  EXPECT_NE(p.detail(issuing_crl).find("the server's certificate: is current until"), std::string::npos) << p.text;
  EXPECT_NE(p.detail(ocsp).find("the server's certificate: good until"), std::string::npos) << p.text;
  EXPECT_NE(p.detail(root_crl).find("CA certificate \"gtm test issuing CA\": is current until"), std::string::npos)
      << p.text;
  EXPECT_NE(p.detail("ldap://pki.example.com/CN=issuing?certificateRevocationList").find("not checked"),
            std::string::npos) << p.text;
  EXPECT_GT(p.json.value("crl_seconds_left", 0LL), 6 * 86400) << p.text;
  // The same from SSTP's handshake mode and from an https monitor.
  for (auto [protocol, options] : {std::pair{"sstp", "--mode handshake"}, std::pair{"https", "--expect 200-599"}}) {
    p = probeChain(lab, 2, protocol, options);
    EXPECT_EQ(p.exit_code, 0) << protocol << ": " << p.text;
    EXPECT_EQ(p.json.value("revocation_ok", false), true) << protocol << ": " << p.text;
  }

  // The root's CRL past its nextUpdate: nothing else vouches for the
  // issuing CA, so clients fail.
  auto now = system_clock::now();
  ASSERT_TRUE(lab.publish(*lab.root, "root", "-crl_lastupdate " + opensslTime(now - hours(50)) +
                                                 " -crl_nextupdate " + opensslTime(now - hours(2))));
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_EQ(p.json.value("revocation_ok", true), false) << p.text;
  EXPECT_NE(p.reason().find(root_crl + " expired 2 h ago (nextUpdate "), std::string::npos) << p.text;
  EXPECT_NE(p.reason().find("0x80092013"), std::string::npos) << p.text;
  EXPECT_LT(p.json.value("crl_seconds_left", 0LL), -7000) << p.text;

  // Within warn_crl_hours: a warning, and clients still connect.
  ASSERT_TRUE(lab.publish(*lab.root, "root", "-crlhours 5"));
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 0) << p.text;
  EXPECT_NE(p.warning().find(root_crl + " expires in 4 h"), std::string::npos) << p.text;

  // The issuing CA's CRL signed by another key of the same name: OCSP still
  // vouches for the leaf (Windows asks it first), so a warning only.
  ASSERT_TRUE(lab.publish(*lab.root, "root"));
  OpensslCa impostor(lab.dir, "impostor", "/CN=gtm test issuing CA");
  ASSERT_TRUE(impostor.ok);
  ASSERT_TRUE(lab.publish(impostor, "issuing"));
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 0) << p.text;
  EXPECT_NE(p.warning().find(issuing_crl + " is not signed by its issuer's key"), std::string::npos) << p.text;

  // The leaf revoked: the CRL lists it and the responder says so.
  ASSERT_TRUE(lab.issuing->revoke(lab.issuing->dir + "/east.pem"));
  ASSERT_TRUE(lab.publish(*lab.issuing, "issuing"));
  lab.pokeOcsp();
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find("the server's certificate revoked at "), std::string::npos) << p.text;
  EXPECT_NE(p.reason().find("(listed in " + issuing_crl + ")"), std::string::npos) << p.text;
  EXPECT_NE(p.reason().find(ocsp + ": revoked at "), std::string::npos) << p.text;
  p = probeChain(lab, 2, "sstp", "--mode handshake");
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find("the server's certificate revoked at "), std::string::npos) << p.text;

  // A responder that answers about another certificate (a correctly signed
  // response for "other"), and the CRL gone: nothing vouches.
  std::string req = lab.dir + "/other.req", resp = lab.dir + "/other.resp";
  ASSERT_EQ(run("openssl ocsp -issuer " + lab.issuing->cert() + " -cert " + lab.issuing->dir + "/other.pem -no_nonce -reqout " +
                req + " 2>&1 && openssl ocsp -index " + lab.issuing->dir + "/index.txt -rsigner " + lab.issuing->cert() +
                " -rkey " + lab.issuing->key() + " -CA " + lab.issuing->cert() + " -reqin " + req + " -respout " + resp +
                " -nmin 10 2>&1").exit_code, 0);
  std::ifstream in(resp, std::ios::binary);
  std::string canned((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(canned.empty());
  lab.ocsp->stop();
  TcpServer wrong([&](int fd) {
    char buf[4096];
    ::recv(fd, buf, sizeof buf, 0);
    std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: " +
                        std::to_string(canned.size()) + "\r\nConnection: close\r\n\r\n" + canned;
    ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  }, lab.ocsp_port);
  ASSERT_TRUE(wrong.bound());
  ASSERT_EQ(run("rm " + lab.www->root() + "/issuing.crl").exit_code, 0);
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find(ocsp + ": the response is about another certificate"), std::string::npos) << p.text;
  EXPECT_NE(p.reason().find(issuing_crl + " unreachable: HTTP 404, expected 200 (Windows SSTP clients fail with "
                                          "0x80092013)"), std::string::npos) << p.text;

  // 50 MB where the root's CRL should be: refused at 10 MiB.
  ASSERT_EQ(run("head -c 52428800 /dev/zero > " + lab.www->root() + "/root.crl").exit_code, 0);
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find(root_crl + " unreachable: "), std::string::npos) << p.text;
  EXPECT_NE(p.reason().find("longer than 10485760 bytes"), std::string::npos) << p.text;

  // The web server gone: refused, named, within the probe's time.
  lab.www->stop();
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find(root_crl + " unreachable: connection refused (Windows SSTP clients fail with 0x80092013)"),
            std::string::npos) << p.text;

  // Silent: a server that accepts and never answers. The probe ends with
  // its timeout (1 s) and says the fetch has not answered.
  auto silent = ChildProcess::start({SSTP_TEST_SERVER, "--mode", "silent", "--listen",
                                     "127.0.0.1:" + std::to_string(lab.http_port)}, "listening");
  ASSERT_TRUE(silent);
  p = probeChain(lab, 1);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find(root_crl + ": no answer yet"), std::string::npos) << p.text;
  EXPECT_LT(p.seconds, 3.0) << "a silent distribution point holds the probe past its timeout";
}

// Two profiles over the same two sites, one whose monitor only warns and
// one whose monitor fails a site that Windows clients would refuse.
// AD CS publishes a delta CRL beside each base CRL and names it in the base
// CRL's Freshest CRL extension; Windows reads both, so a delta CRL that is
// gone, expired, for a newer base, or lists the certificate fails clients
// as the base CRL would. A leaf with no OCSP responder: the CRLs alone vouch.
TEST(Revocation, DeltaCrlsAsWindowsReadsThem) {
  if (skipWithout()) GTEST_SKIP() << "openssl or nginx is not installed (scripts/install-deps.sh test)";
  RevocationLab lab;
  ASSERT_TRUE(lab.ok) << (lab.ocsp ? lab.ocsp->log() : "no OCSP responder");
  const OpensslCa& ca = *lab.issuing;
  ASSERT_TRUE(ca.issue("solo", "/CN=vpn.example.com", "crl_only_ext"));
  ASSERT_EQ(run("cat " + ca.dir + "/solo.pem " + ca.cert() + " > " + lab.dir + "/solo-chain.pem").exit_code, 0);
  auto server = lab.sstpServer("solo", "127.0.0.1");
  ASSERT_TRUE(server);
  const std::string www = lab.www->root(), base = www + "/issuing.crl", delta = www + "/issuing-delta.crl";
  // The base CRL (naming its delta), then newer full lists to make deltas from.
  ASSERT_TRUE(lab.publish(ca, "issuing", "-crlexts delta_ext"));
  auto newer = [&](const std::string& name, const std::string& options = "") {
    EXPECT_TRUE(ca.crl(lab.dir + "/" + name + ".crl", "-crlexts newer_ext " + options));
    return lab.dir + "/" + name + ".crl";
  };
  ASSERT_TRUE(ca.deltaCrl(base, newer("next"), delta));
  const std::string delta_url = "delta CRL " + lab.crlUrl("issuing-delta");

  // Base and delta current, the certificate in neither.
  auto p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 0) << p.text;
  EXPECT_NE(p.detail(delta_url).find("is current until"), std::string::npos) << p.text;

  // The delta CRL gone: the base alone vouches for nothing.
  ASSERT_EQ(::unlink(delta.c_str()), 0);
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find(delta_url + " unreachable: HTTP 404"), std::string::npos) << p.text;

  // Revoked since the base CRL: only the delta lists it.
  ASSERT_TRUE(ca.revoke(ca.dir + "/solo.pem"));
  ASSERT_TRUE(ca.deltaCrl(base, newer("revoked"), delta));
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find("revoked at"), std::string::npos) << p.text;
  EXPECT_NE(p.reason().find("(listed in " + delta_url + ")"), std::string::npos) << p.text;

  // A delta for a newer base CRL than the one published.
  const std::string later_base = newer("a"), later = newer("b");  // in this order: b has the higher number
  ASSERT_TRUE(ca.deltaCrl(later_base, later, delta));
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find("applies to base CRL number"), std::string::npos) << p.text;

  // An expired delta (its nextUpdate an hour ago).
  const auto now = system_clock::now();
  ASSERT_TRUE(ca.deltaCrl(base,
                          newer("old", "-crl_lastupdate " + opensslTime(now - hours(3)) + " -crl_nextupdate " +
                                           opensslTime(now - hours(1))),
                          delta));
  p = probeChain(lab);
  EXPECT_EQ(p.exit_code, 1) << p.text;
  EXPECT_NE(p.reason().find(delta_url + " expired 60 min ago"), std::string::npos) << p.text;
}

TEST(Revocation, WarnKeepsTheAnswerDegradedMovesIt) {
  if (skipWithout() || !haveCommand("dig")) GTEST_SKIP() << "openssl, nginx or dig is not installed (scripts/install-deps.sh test)";
  RevocationLab lab;
  ASSERT_TRUE(lab.ok) << (lab.ocsp ? lab.ocsp->log() : "no OCSP responder");
  auto east = lab.sstpServer("east", "127.0.10.10");
  auto west = lab.sstpServer("west", "127.0.20.10");
  ASSERT_TRUE(east && west);
  auto monitor = [&](const std::string& name, const std::string& failure) {
    return "[[monitor]]\nname = \"" + name + "\"\nprotocol = \"sstp\"\nport = " + std::to_string(lab.sstp_port) +
           "\ninterval = 0.25\ntimeout = 0.2\ntolerated_failures = 0\nhost = \"vpn.example.com\"\n"
           "verify_tls = true\nca_file = \"" + lab.root->cert() + "\"\ncheck_revocation = true\ncrl_refresh = 2\n"
           "revocation_failure = \"" + failure + "\"\n\n";
  };
  auto profile = [](const std::string& name, const std::string& monitor_name) {
    return "[[profile]]\nname = \"" + name + "\"\nfqdn = \"" + name + ".vpn.example.com.\"\nttl = 5\nmonitors = [\"" +
           monitor_name + "\"]\n  [[profile.endpoint]]\n  name = \"east\"\n  target = \"127.0.10.10\"\n  priority = 1\n"
           "  [[profile.endpoint]]\n  name = \"west\"\n  target = \"127.0.20.10\"\n  priority = 2\n\n";
  };
  std::string text = "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\n\n" +
                     monitor("sstp-warn", "warn") + monitor("sstp-strict", "degraded") + minimalZone() +
                     profile("aovpn", "sstp-strict") + profile("warned", "sstp-warn");
  auto gtm = GtmProcess::serve(text);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();
  auto warnedAnswer = [&] {
    auto r = run("dig +short +time=1 +tries=1 -p " + std::to_string(gtm->port()) + " @127.0.0.1 warned.vpn.example.com A");
    return r.output.substr(0, r.output.find('\n'));
  };
  EXPECT_EQ(warnedAnswer(), "127.0.10.10");
  auto check = [&](const std::string& monitor_name, const std::string& address) {
    auto st = nlohmann::json::parse(httpRequest(gtm->port2(), "GET", "/api/v1/status").body, nullptr, false);
    for (const auto& p : st["profiles"])
      for (const auto& e : p["endpoints"])
        for (const auto& c : e["checks"])
          if (c["monitor"] == monitor_name && c["address"] == address) return c;
    return nlohmann::json::object();
  };
  auto metric = [&](const std::string& line) {
    return httpRequest(gtm->port2(), "GET", "/metrics").body.find(line) != std::string::npos;
  };
  EXPECT_GE(within(5, [&] { return check("sstp-warn", "127.0.10.10").value("revocation_ok", false); }), 0)
      << check("sstp-warn", "127.0.10.10").dump();
  EXPECT_TRUE(metric("gtm_probe_revocation_ok{monitor=\"sstp-warn\",address=\"127.0.10.10\"} 1"));

  // Probes every 0.25 s; the CRL is fetched once per crl_refresh (2 s) per
  // monitor, whichever site is probed. Counted at the web server.
  auto probes = [&] {
    std::string m = httpRequest(gtm->port2(), "GET", "/metrics").body;
    long total = 0;
    for (const char* name : {"sstp-warn", "sstp-strict"}) {
      std::string key = std::string("gtm_probe_duration_seconds_count{monitor=\"") + name + "\"} ";
      size_t at = m.find(key);
      if (at != std::string::npos) total += std::stol(m.substr(at + key.size()));
    }
    return total;
  };
  int fetches_before = lab.www->count("GET /issuing.crl");
  long probes_before = probes();
  std::this_thread::sleep_for(seconds(6));
  int fetches = lab.www->count("GET /issuing.crl") - fetches_before;
  long probed = probes() - probes_before;
  EXPECT_GE(probed, 40) << "probes in 6 s";
  EXPECT_GE(fetches, 2) << "the CRL is fetched again after crl_refresh";
  EXPECT_LE(fetches, 10) << fetches << " fetches of the CRL for " << probed << " probes: one per refresh per monitor";
  std::printf("[ figures ] 6 s: %ld probes, %d fetches of the issuing CA's CRL (2 monitors, crl_refresh = 2 s)\n",
              probed, fetches);

  // East's certificate revoked: the strict profile moves to west, the
  // warned one keeps answering east but says why clients would fail.
  ASSERT_TRUE(lab.issuing->revoke(lab.issuing->dir + "/east.pem"));
  ASSERT_TRUE(lab.publish(*lab.issuing, "issuing"));
  lab.pokeOcsp();
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 8), 0) << check("sstp-strict", "127.0.10.10").dump();
  auto c = check("sstp-strict", "127.0.10.10");
  EXPECT_EQ(c.value("state", ""), "Degraded") << c.dump();
  // OCSP or the CRL, whichever was fetched again first.
  EXPECT_NE(c.value("reason", "").find("revoked at "), std::string::npos) << c.dump();
  EXPECT_GE(within(5, [&] { return !check("sstp-warn", "127.0.10.10").value("revocation_ok", true); }), 0);
  c = check("sstp-warn", "127.0.10.10");
  EXPECT_EQ(c.value("state", ""), "Online") << c.dump();
  EXPECT_NE(c.value("reason", "").find("HTTP 401; revocation check failed: the server's certificate"), std::string::npos)
      << c.dump();
  EXPECT_NE(c.value("reason", "").find("revoked at "), std::string::npos) << c.dump();
  EXPECT_NE(c.value("warning", "").find("revoked"), std::string::npos) << c.dump();
  EXPECT_EQ(warnedAnswer(), "127.0.10.10") << "warn keeps the answer";
  EXPECT_TRUE(metric("gtm_probe_revocation_ok{monitor=\"sstp-warn\",address=\"127.0.10.10\"} 0"));
  EXPECT_TRUE(metric("gtm_probe_revocation_ok{monitor=\"sstp-warn\",address=\"127.0.20.10\"} 1"));
  std::string page = httpRequest(gtm->port2(), "GET", "/").body;
  EXPECT_NE(page.find("revocation failing"), std::string::npos) << "the page's certificate column";

  // The CA's web server gone: west fails too (nothing else vouches for the
  // issuing CA); the details say how old the last good copy is.
  lab.www->stop();
  EXPECT_GE(within(8, [&] {
              return check("sstp-warn", "127.0.20.10").value("reason", "").find("root.crl unreachable: connection refused") !=
                     std::string::npos;
            }), 0) << check("sstp-warn", "127.0.20.10").dump();
  c = check("sstp-warn", "127.0.20.10");
  std::string detail = c["details"].value("CRL " + lab.crlUrl("root"), "");
  EXPECT_NE(detail.find("unreachable: connection refused; the last good answer came "), std::string::npos) << c.dump();
  EXPECT_EQ(c.value("state", ""), "Online") << c.dump();
  EXPECT_EQ(warnedAnswer(), "127.0.10.10");
}

}  // namespace
}  // namespace gtm::test
