// gtm serve with an SSTP monitor on two sites: DNS follows the probes' view
// of the sites, fails over when the first one stops answering SSTP, comes
// back when it recovers, and fails open when both are down.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

std::unique_ptr<ChildProcess> site(const std::string& address, uint16_t port) {
  return ChildProcess::start({kSstpServer, "--listen", address + ":" + std::to_string(port)}, "listening");
}

std::string config(uint16_t sstp_port) {
  return "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n" + minimalZone() + twoSiteSstpProfile(sstp_port);
}

// The SSTP stand-in's last count of requests and resumed TLS handshakes;
// -1 when it printed none.
std::pair<int, int> sstpCounts(const ChildProcess& server) {
  std::string log = server.log();
  size_t at = log.rfind("requests=");
  int requests = -1, resumed = -1;
  if (at != std::string::npos) std::sscanf(log.c_str() + at, "requests=%d resumed=%d", &requests, &resumed);
  return {requests, resumed};
}

TEST(MonitoredServe, FailsOverAndBackWithTheSstpProbe) {
  uint16_t sstp_port = freePort();
  auto east = site("127.0.10.10", sstp_port);
  auto west = site("127.0.20.10", sstp_port);
  auto gtm = GtmProcess::serve(config(sstp_port));
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log();

  // interval x (tolerated_failures + 1) + timeout = 0.8 s; allow scheduling slack.
  const double bound = 0.5 * (0 + 1) + 0.3;
  east->stop();
  double failover = waitForAnswer(gtm->port(), "127.0.20.10", 5);
  EXPECT_GE(failover, 0) << gtm->log();
  EXPECT_LT(failover, bound + 1.0) << "failover took " << failover << " s";

  // A reload keeps what the monitors know: east stays Degraded, no flap.
  ::kill(gtm->pid(), SIGHUP);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(firstAnswer(gtm->port()), "127.0.20.10") << "after reload, at " << i * 50 << " ms";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(gtm->log().find("msg=reloaded"), std::string::npos);

  east = site("127.0.10.10", sstp_port);
  double back = waitForAnswer(gtm->port(), "127.0.10.10", 5);
  EXPECT_GE(back, 0) << gtm->log();
  EXPECT_LT(back, bound + 1.0);

  // Both down: fail-open, the first enabled endpoint by priority.
  east->stop();
  west->stop();
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(firstAnswer(gtm->port()), "127.0.10.10");

  std::string log = gtm->log();
  EXPECT_NE(log.find("msg=\"endpoint state changed\" endpoint=aovpn/east from=Online to=Degraded reason=\"connection refused\""),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("endpoint=aovpn/east from=Degraded to=Online reason=\"HTTP 401\""), std::string::npos) << log;
}

// The SSTP monitor resumes TLS sessions where the server offers it, so that
// a probe costs a resumed handshake, not a full one.
TEST(MonitoredServe, SstpProbesResumeTlsSessions) {
  uint16_t sstp_port = freePort();
  auto east = site("127.0.10.10", sstp_port);
  auto west = site("127.0.20.10", sstp_port);
  auto gtm = GtmProcess::serve(config(sstp_port));
  // interval 0.5 s: a few probes of each site, then the stand-in's own count.
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  auto [requests, resumed] = sstpCounts(*east);
  ASSERT_GE(requests, 0) << east->log();
  EXPECT_GE(requests, 3);
  EXPECT_GE(resumed, requests - 1) << "every probe after the first resumes";
}

// With verify_tls, a certificate swapped under a running monitor fails the
// next probe, although the server keeps offering to resume the old session.
TEST(MonitoredServe, VerifyingProbeSeesASwappedCertificate) {
  std::string dir = makeTempDir();
  for (int swap_days : {365, -3}) {  // another CA's certificate; an expired one
    SCOPED_TRACE("swap to a certificate valid " + std::to_string(swap_days) + " days");
    uint16_t sstp_port = freePort();
    std::string pem = dir + "/east-" + std::to_string(swap_days) + ".pem";
    auto east = ChildProcess::start({kSstpServer, "--listen", "127.0.10.10:" + std::to_string(sstp_port), "--cert-out",
                                     pem, "--swap-days", std::to_string(swap_days)},
                                    "listening");
    std::string text = config(sstp_port);
    text.replace(text.find("tolerated_failures = 0"), 22,
                 "tolerated_failures = 0\nverify_tls = true\nhost = \"vpn.example.com\"\nca_file = \"" + pem + "\"");
    // West fails verification (its certificate is its own): with east
    // Degraded too, the profile answers NODATA.
    text.replace(text.find("monitors = [\"sstp\"]"), 19, "monitors = [\"sstp\"]\nall_degraded = \"fail-closed\"");
    auto gtm = GtmProcess::serve(text);
    ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log();
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // a few probes that could resume
    ::kill(east->pid(), SIGHUP);
    // interval x (tolerated_failures + 1) + timeout = 0.8 s, with slack.
    double degraded = waitForAnswer(gtm->port(), "", 3);
    EXPECT_GE(degraded, 0) << gtm->log() << east->log();
    EXPECT_LT(degraded, 1.8);
    EXPECT_NE(gtm->log().find("endpoint=aovpn/east from=Online to=Degraded reason=\"TLS handshake failed"),
              std::string::npos)
        << gtm->log();
    std::string log = east->log();
    size_t at = log.rfind("resumed=");
    ASSERT_NE(at, std::string::npos) << log;
    EXPECT_EQ(log.substr(at, 10), "resumed=0\n") << "a verifying probe never resumes";
  }
}

// The certificate a TLS check saw is in /metrics: days left, and expiring
// once within warn_cert_days (default 21), for the alert rules.
TEST(MonitoredServe, CertificateExpiryInMetrics) {
  if (!haveCommand("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps.sh test)";
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({kSstpServer, "--listen", "127.0.10.10:" + std::to_string(sstp_port), "--cert-days",
                                   "10"},
                                  "listening");
  auto west = site("127.0.20.10", sstp_port);
  std::string text = config(sstp_port);
  text.replace(text.find("[dns]"), 5, "[status]\nlisten = \"127.0.0.1:{PORT2}\"\n\n[dns]");
  auto gtm = GtmProcess::serve(text);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log();
  std::string metrics;
  for (int i = 0; i < 30; ++i) {
    metrics = run("curl -s -m 2 http://127.0.0.1:" + std::to_string(gtm->port2()) + "/metrics").output;
    // Both sites probed (their first probes finish in either order).
    if (metrics.find("gtm_probe_certificate_expiring{monitor=\"sstp\",address=\"127.0.20.10\"}") != std::string::npos &&
        metrics.find("gtm_probe_certificate_expiring{monitor=\"sstp\",address=\"127.0.10.10\"}") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(metrics.find("gtm_probe_certificate_expiring{monitor=\"sstp\",address=\"127.0.10.10\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("gtm_probe_certificate_expiring{monitor=\"sstp\",address=\"127.0.20.10\"} 0"),
            std::string::npos)
      << metrics;
  bool ten = metrics.find("gtm_probe_certificate_days_left{monitor=\"sstp\",address=\"127.0.10.10\"} 9\n") !=
                 std::string::npos ||
             metrics.find("gtm_probe_certificate_days_left{monitor=\"sstp\",address=\"127.0.10.10\"} 10\n") !=
                 std::string::npos;
  EXPECT_TRUE(ten) << metrics;
}

// A site whose RRAS is out of ports answers SSTP_DUPLEX_POST with 503: it is
// Full, not Degraded, and DNS answers the other site while there is one.
TEST(MonitoredServe, FullSiteIsAnsweredOnlyWhenNoOtherIs) {
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({kSstpServer, "--listen", "127.0.10.10:" + std::to_string(sstp_port), "--mode", "full"},
                                  "listening");
  auto west = site("127.0.20.10", sstp_port);
  std::string text = config(sstp_port);
  text.replace(text.find("protocol = \"sstp\""), 17, "protocol = \"sstp\"\nsstp_mode = \"handshake\"");
  auto gtm = GtmProcess::serve(text);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 3), 0) << gtm->log();
  EXPECT_NE(gtm->log().find("endpoint=aovpn/east from=CheckingEndpoint to=Full"), std::string::npos) << gtm->log();
  EXPECT_EQ(gtm->log().find("endpoint=aovpn/east from=CheckingEndpoint to=Degraded"), std::string::npos);
  // West gone: the full site is better than none (fail-open).
  west->stop();
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log();
}

// A health target is (monitor, address, port): one VIP in three profiles
// is probed once per interval, not three times, and has one state.
TEST(MonitoredServe, SharedTargetIsProbedOnce) {
  uint16_t sstp_port = freePort();
  auto east = site("127.0.10.10", sstp_port);
  auto west = site("127.0.20.10", sstp_port);
  std::string text = config(sstp_port);
  for (const char* name : {"second", "third"})
    text += std::string("\n[[profile]]\nname = \"") + name + "\"\nfqdn = \"" + name +
            ".vpn.example.com.\"\nmonitors = [\"sstp\"]\n  [[profile.endpoint]]\n  name = \"east\"\n"
            "  target = \"127.0.10.10\"\n";
  auto gtm = GtmProcess::serve(text);
  // interval 0.5 s: about five probes of east in 2.6 s, not fifteen.
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  auto [requests, resumed] = sstpCounts(*east);
  ASSERT_GE(requests, 0) << east->log();
  EXPECT_GE(requests, 3);
  EXPECT_LE(requests, 7) << "one probe per interval for the three profiles";
  // One state: east stops, and every profile's endpoint goes Degraded.
  east->stop();
  for (int i = 0; i < 60 && gtm->log().find("endpoint=third/east from=Online to=Degraded") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (const char* p : {"aovpn", "second", "third"})
    EXPECT_NE(gtm->log().find(std::string("endpoint=") + p + "/east from=Online to=Degraded"), std::string::npos)
        << p << "\n" << gtm->log();
}

TEST(MonitoredServe, UnknownMonitorIsAConfigError) {
  std::string text = config(443);
  text.replace(text.find("monitors = [\"sstp\"]"), 19, "monitors = [\"ikev2\"]");
  text.replace(text.find("{PORT}"), 6, "5353");
  std::string dir = makeTempDir();
  std::string path = writeFile(dir, "m.toml", text);
  auto r = run(std::string(GTM_BINARY) + " check --config " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("[[profile]] monitors: there is no [[monitor]] named \"ikev2\""), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace gtm::test
