// The crl monitor against a PKI made here with `openssl ca` and its CRLs
// served by nginx on loopback (issue 27, item 4): a site depends on the CRL
// that NPS needs for device certificates; the CRL current, within
// warn_crl_hours, past its nextUpdate (the site goes Degraded and DNS moves),
// signed by another key, and its server gone. The metric and reasons say
// which and why.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_config.hpp"
#include "tests/support/test_pki.hpp"

namespace gtm::test {
namespace {

TEST(CrlMonitor, ASiteDependsOnItsClientCaCrl) {
  for (const char* tool : {"openssl", "nginx", "curl"})
    if (!haveCommand(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps.sh test)";
  std::string dir = makeTempDir();
  OpensslCa ca(dir, "clientca", "/CN=gtm test client CA"), impostor(dir, "impostor", "/CN=gtm test client CA");
  ASSERT_TRUE(ca.ok && impostor.ok);
  using namespace std::chrono;
  auto now = system_clock::now();
  ASSERT_TRUE(ca.crl(dir + "/good.crl", "-crldays 7"));
  ASSERT_TRUE(ca.crl(dir + "/soon.crl", "-crlhours 5"));
  ASSERT_TRUE(ca.crl(dir + "/expired.crl", "-crl_lastupdate " + opensslTime(now - hours(50)) + " -crl_nextupdate " +
                                              opensslTime(now - hours(2))));
  ASSERT_TRUE(impostor.crl(dir + "/forged.crl", "-crldays 7"));
  uint16_t http_port = freePort();
  StaticHttpServer www(dir, http_port);  // nginx serves the CRLs, logging each request
  auto publish = [&](const std::string& which) {
    ASSERT_EQ(run("cp " + dir + "/" + which + ".crl " + www.root() + "/clientca.crl").exit_code, 0);
  };
  publish("good");
  for (int i = 0; i < 50 && httpRequest(http_port, "GET", "/clientca.crl").status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(httpRequest(http_port, "GET", "/clientca.crl").status, 200);

  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  auto west = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.20.10:" + std::to_string(sstp_port)}, "listening");
  // The CRL named as the PKI publishes it; fetched from the address the
  // dependency gives (the web server behind pki.example.com).
  std::string sites = twoSiteSstpProfile(sstp_port);
  sites.replace(sites.find("  priority = 1\n"), 15,
                "  priority = 1\n  depends_on = [{ monitor = \"clientca-crl\", targets = [\"127.0.0.1\"] }]\n");
  std::string text = "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\n\n"
                     "[[monitor]]\nname = \"clientca-crl\"\nprotocol = \"crl\"\nurl = \"http://pki.example.com:" +
                     std::to_string(http_port) + "/clientca.crl\"\nca_file = \"" + ca.dir +
                     "/ca.pem\"\ninterval = 0.5\ntimeout = 0.4\ntolerated_failures = 0\nwarn_crl_hours = 24\n\n" +
                     minimalZone() + sites;
  auto gtm = GtmProcess::serve(text);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();

  // The dependency's check, from the status API.
  auto crlCheck = [&] {
    auto st = nlohmann::json::parse(httpRequest(gtm->port2(), "GET", "/api/v1/status").body, nullptr, false);
    for (const auto& e : st["profiles"][0]["endpoints"])
      for (const auto& c : e["checks"])
        if (c["monitor"] == "clientca-crl") return c;
    return nlohmann::json();
  };
  auto waitCheck = [&](const std::string& reason_part) {
    nlohmann::json c;
    for (int i = 0; i < 60; ++i) {
      c = crlCheck();
      if (c.is_object() && c["reason"].get<std::string>().find(reason_part) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return c;
  };
  auto c = waitCheck("is current until");
  ASSERT_TRUE(c.is_object()) << gtm->log();
  EXPECT_EQ(c["state"], "Online") << c.dump();
  EXPECT_FALSE(c.contains("warning")) << c.dump();
  std::string metrics = httpRequest(gtm->port2(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gtm_probe_crl_seconds_left{monitor=\"clientca-crl\",address=\"127.0.0.1\"} 6"), std::string::npos)
      << "about 7 days: 6xxxxx s";

  // The same from the admin's shell.
  const std::string probe = std::string(GTM_BINARY) + " probe crl 127.0.0.1 --url http://pki.example.com:" +
                            std::to_string(http_port) + "/clientca.crl --ca-file " + ca.dir + "/ca.pem --verbose";
  auto shell = run(probe);
  EXPECT_EQ(shell.exit_code, 0) << shell.output;
  EXPECT_NE(shell.output.find("Online"), std::string::npos) << shell.output;
  EXPECT_NE(shell.output.find("nextUpdate: "), std::string::npos) << shell.output;

  publish("soon");
  c = waitCheck("expires in");
  EXPECT_EQ(c["state"], "Online") << c.dump();
  EXPECT_NE(c.value("warning", std::string()).find("CRL http://pki.example.com:" + std::to_string(http_port) +
                                                  "/clientca.crl expires in 4 h"), std::string::npos)
      << c.dump();

  // The warning is in the journal, once.
  std::string events;
  for (int i = 0; i < 30; ++i) {
    events = httpRequest(gtm->port2(), "GET", "/api/v1/events?type=certificate").body;
    if (events.find("expires in 4 h") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(events.find("\"monitor\":\"clientca-crl\""), std::string::npos) << events;

  publish("expired");
  c = waitCheck("expired");
  EXPECT_EQ(c["state"], "Degraded") << c.dump();
  EXPECT_NE(c["reason"].get<std::string>().find("expired 2 h ago (nextUpdate "), std::string::npos) << c.dump();
  EXPECT_NE(c["reason"].get<std::string>().find("0x80092013"), std::string::npos);
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 5), 0) << "the site that needs the CRL is out of the answers";

  shell = run(probe);
  EXPECT_EQ(shell.exit_code, 1) << shell.output;
  EXPECT_NE(shell.output.find("expired 2 h ago"), std::string::npos) << shell.output;

  publish("forged");
  c = waitCheck("not signed by its issuer's key");
  EXPECT_EQ(c["state"], "Degraded") << c.dump();

  // 11 MiB: refused at the bound, not read into memory whole.
  ASSERT_EQ(run("head -c 11534336 /dev/zero > " + www.root() + "/clientca.crl").exit_code, 0);
  c = waitCheck("longer than 10485760 bytes");
  EXPECT_EQ(c["state"], "Degraded") << c.dump();

  publish("good");
  c = waitCheck("is current until");
  EXPECT_EQ(c["state"], "Online") << c.dump();
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0);
  // Each probe asked for the CRL with the name it is published under.
  EXPECT_GT(www.count("\"GET /clientca.crl HTTP/1.1\" 200"), 0);

  www.stop();
  c = waitCheck("connection refused");
  EXPECT_EQ(c["state"], "Degraded") << c.dump();
  EXPECT_NE(c["reason"].get<std::string>().find("Windows clients that need it fail with 0x80092013"), std::string::npos)
      << c.dump();
}

}  // namespace
}  // namespace gtm::test
