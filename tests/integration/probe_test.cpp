// `gtm probe` against real peers: the SSTP test server in every failure
// mode, strongSwan's charon for IKEv2 (cross-checked with ike-scan), and
// silent or closed UDP ports.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "tests/support/charon.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/socket_servers.hpp"

namespace gtm::test {
namespace {

std::unique_ptr<ChildProcess> sstpServer(uint16_t port, const std::string& mode, int cert_days = 365,
                                         const std::string& cert_out = "") {
  std::vector<std::string> argv{kSstpServer, "--listen", "127.0.0.1:" + std::to_string(port), "--mode", mode,
                                "--cert-days", std::to_string(cert_days)};
  if (!cert_out.empty()) argv.insert(argv.end(), {"--cert-out", cert_out});
  return ChildProcess::start(argv, "listening");
}

struct Timed {
  CommandResult result;
  double seconds;
};
Timed probe(const std::string& args) {
  auto start = std::chrono::steady_clock::now();
  Timed t{run(kGtm + " probe " + args), 0};
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

TEST(SstpProbe, EveryServerBehaviour) {
  uint16_t port = freePort();
  std::string p = std::to_string(port);
  struct Case {
    std::string mode;
    std::string probe_mode;
    int exit_code;
    std::string reason;
  } cases[] = {
      {"rras", "status", 0, "HTTP 401"},
      {"rras", "handshake", 0, "SSTP Call Connect Ack received"},
      {"nak", "handshake", 1, "SSTP: CALL_CONNECT_NAK instead of CALL_CONNECT_ACK"},
      // Out of ports: alive, but full (a balancer drains it).
      {"full", "handshake", 0, "SSTP_DUPLEX_POST answered HTTP 503: no free ports (full)"},
      {"full", "status", 0, "HTTP 401"},
      {"silent", "status", 1, "timeout after 1.0 s in the TLS handshake"},
      {"close-after-tls", "status", 1, "by the server waiting for the HTTP response"},
      {"garbage", "status", 1, "TLS handshake failed: wrong version number"},
      {"http500", "status", 1, "HTTP 500, expected 401"},
      {"http500", "handshake", 1, "SSTP_DUPLEX_POST answered HTTP 500, expected 200"},
      {"endless-body", "status", 1, "HTTP 200, expected 401"},
      {"endless-body", "handshake", 1, "without Content-Length 18446744073709551615"},
      {"endless-head", "status", 1, "HTTP response head longer than 16384 bytes"},
      {"trickle", "status", 1, "timeout after 1.0 s"},
  };
  for (const Case& c : cases) {
    auto server = sstpServer(port, c.mode);
    auto t = probe("sstp 127.0.0.1 --port " + p + " --timeout 1 --mode " + c.probe_mode);
    EXPECT_EQ(t.result.exit_code, c.exit_code) << c.mode << "/" << c.probe_mode << ": " << t.result.output;
    EXPECT_NE(t.result.output.find(c.reason), std::string::npos) << c.mode << "/" << c.probe_mode << ": "
                                                                  << t.result.output;
    EXPECT_LT(t.seconds, 2.5) << c.mode << ": not bounded by the 1 s timeout";
  }
  // Nothing listening at all.
  auto refused = probe("sstp 127.0.0.1 --port " + p + " --timeout 1");
  EXPECT_EQ(refused.result.exit_code, 1);
  EXPECT_NE(refused.result.output.find("connection refused"), std::string::npos) << refused.result.output;
}

TEST(SstpProbe, CertificateChecks) {
  uint16_t port = freePort();
  std::string dir = makeTempDir();
  std::string pem = dir + "/cert.pem";
  {
    auto expired = sstpServer(port, "rras", -3, pem);
    auto t = probe("sstp 127.0.0.1 --port " + std::to_string(port) + " --verify-tls --host vpn.example.com --ca-file " +
                   pem);
    EXPECT_EQ(t.result.exit_code, 1);
    EXPECT_NE(t.result.output.find("TLS handshake failed: certificate verify failed (certificate has expired)"),
              std::string::npos)
        << t.result.output;
    // Without verification it passes, and says the certificate expired.
    auto lax = probe("sstp 127.0.0.1 --port " + std::to_string(port) + " --json");
    EXPECT_EQ(lax.result.exit_code, 0) << lax.result.output;
    EXPECT_NE(lax.result.output.find("\"warning\":\"certificate expired 3 days ago\""), std::string::npos)
        << lax.result.output;
    EXPECT_NE(lax.result.output.find("\"cert_subject\":\"/CN=vpn.example.com\""), std::string::npos);
  }
  auto soon = sstpServer(port, "rras", 10, pem);
  auto ok = probe("sstp 127.0.0.1 --port " + std::to_string(port) + " --verify-tls --host vpn.example.com --ca-file " + pem);
  EXPECT_EQ(ok.result.exit_code, 0) << ok.result.output;
  // Ten days from the server's start, counted in whole days: 9 or 10.
  EXPECT_TRUE(ok.result.output.find("warning: certificate expires in 9 days") != std::string::npos ||
              ok.result.output.find("warning: certificate expires in 10 days") != std::string::npos)
      << ok.result.output;
  auto wrong_name =
      probe("sstp 127.0.0.1 --port " + std::to_string(port) + " --verify-tls --host other.example.com --ca-file " + pem);
  EXPECT_EQ(wrong_name.result.exit_code, 1) << wrong_name.result.output;
  EXPECT_NE(wrong_name.result.output.find("TLS handshake failed"), std::string::npos) << wrong_name.result.output;
}

TEST(HttpProbe, StatusRangesAndTcp) {
  uint16_t port = freePort();
  auto server = sstpServer(port, "rras");
  std::string p = std::to_string(port);
  // https to "/" gets 404 from the stand-in: expected 200 by default.
  auto def = probe("https 127.0.0.1 --port " + p);
  EXPECT_EQ(def.result.exit_code, 1);
  EXPECT_NE(def.result.output.find("HTTP 404, expected 200"), std::string::npos) << def.result.output;
  auto ranged = probe("https 127.0.0.1 --port " + p + " --expect 200-299,400-404");
  EXPECT_EQ(ranged.result.exit_code, 0) << ranged.result.output;
  auto tcp = probe("tcp 127.0.0.1 --port " + p);
  EXPECT_EQ(tcp.result.exit_code, 0) << tcp.result.output;
  EXPECT_EQ(run(kGtm + " probe https 127.0.0.1 --expect 99").exit_code, 2);
  EXPECT_EQ(run(kGtm + " probe ftp 127.0.0.1").exit_code, 2);
  EXPECT_EQ(run(kGtm + " probe tcp 127.0.0.1").exit_code, 2);  // tcp needs a port
}

// A hostile IKEv2 responder written for the test: to each IKE_SA_INIT it
// answers with `reply(request)`.
std::unique_ptr<UdpServer> ikeResponder(std::function<std::vector<uint8_t>(const std::vector<uint8_t>&)> reply) {
  return std::make_unique<UdpServer>([reply](int fd, const sockaddr_in& from, std::span<const uint8_t> request) {
    if (request.size() < 28) return;
    auto out = reply(std::vector<uint8_t>(request.begin(), request.end()));
    ::sendto(fd, out.data(), out.size(), 0, reinterpret_cast<const sockaddr*>(&from), sizeof from);
  });
}

// An IKE_SA_INIT response to `request` (its SPI, message ID 0) with
// `payloads`, the first of type `first`.
std::vector<uint8_t> ikeResponse(const std::vector<uint8_t>& request, uint8_t first, const std::vector<uint8_t>& payloads) {
  std::vector<uint8_t> m(request.begin(), request.begin() + 8);
  m.insert(m.end(), {1, 2, 3, 4, 5, 6, 7, 8, first, 0x20, 34, 0x20, 0, 0, 0, 0});
  uint32_t len = static_cast<uint32_t>(28 + payloads.size());
  m.insert(m.end(), {static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 8),
                     static_cast<uint8_t>(len)});
  m.insert(m.end(), payloads.begin(), payloads.end());
  return m;
}

// A valid response larger than 4 KiB (a CERTREQ naming 205 CAs, as a
// responder with many CAs sends) is read whole; a responder that answers
// every request with a new COOKIE is named as such.
TEST(Ikev2Probe, LargeResponsesAndEndlessCookies) {
  auto large = ikeResponder([](const std::vector<uint8_t>& request) {
    std::vector<uint8_t> p{34, 0, 0, 8, 0, 0, 0, 0,   // SA
                           40, 0, 0, 8, 0, 19, 0, 0,  // KE
                           38, 0, 0, 8, 1, 2, 3, 4};  // Nonce, then CERTREQ
    std::vector<uint8_t> certreq{0, 0, 0, 0, 4};      // X.509 signature
    certreq.insert(certreq.end(), 205 * 20, 0xca);    // 205 SHA-1 key hashes
    certreq[2] = static_cast<uint8_t>(certreq.size() >> 8);
    certreq[3] = static_cast<uint8_t>(certreq.size());
    p.insert(p.end(), certreq.begin(), certreq.end());
    return ikeResponse(request, 33, p);
  });
  ASSERT_TRUE(large->bound());
  auto t = probe("ikev2 127.0.0.1 --port " + std::to_string(large->port()) + " --timeout 1");
  EXPECT_EQ(t.result.exit_code, 0) << t.result.output;
  EXPECT_NE(t.result.output.find("IKE_SA_INIT response (daemon alive)"), std::string::npos) << t.result.output;

  std::atomic<uint8_t> cookies{0};
  auto cookie = ikeResponder([&](const std::vector<uint8_t>& request) {
    uint8_t n = ++cookies;
    std::vector<uint8_t> notify{0, 0, 0, 16, 0, 0, 0x40, 0x06, n, n, n, n, n, n, n, n};  // COOKIE (16390)
    return ikeResponse(request, 41, notify);
  });
  auto c = probe("ikev2 127.0.0.1 --port " + std::to_string(cookie->port()) + " --timeout 1 --expect sa");
  EXPECT_EQ(c.result.exit_code, 1) << c.result.output;
  EXPECT_NE(c.result.output.find("asks for a new cookie every time"), std::string::npos) << c.result.output;
  EXPECT_GE(cookies.load(), 2);
}

// A UDP socket that counts what it receives and never answers.
TEST(Ikev2Probe, SilenceTimesOutAfterRetransmissions) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto t = probe("ikev2 127.0.0.1 --port " + std::to_string(ntohs(a.sin_port)) + " --timeout 0.9");
  EXPECT_EQ(t.result.exit_code, 1);
  EXPECT_NE(t.result.output.find("timeout after 0.9 s (3 IKE_SA_INIT sent, no response)"), std::string::npos)
      << t.result.output;
  int received = 0;
  pollfd p{fd, POLLIN, 0};
  uint8_t buf[2048];
  while (::poll(&p, 1, 0) == 1 && ::recv(fd, buf, sizeof buf, 0) > 0) ++received;
  EXPECT_EQ(received, 3);
  ::close(fd);
  // Closed port: ICMP port unreachable fails at once, not at the timeout.
  auto closed = probe("ikev2 127.0.0.1 --port " + std::to_string(ntohs(a.sin_port)) + " --timeout 3");
  EXPECT_EQ(closed.result.exit_code, 1);
  EXPECT_NE(closed.result.output.find("ICMP port unreachable"), std::string::npos) << closed.result.output;
  EXPECT_LT(closed.seconds, 1.5);
}

TEST(Ikev2Probe, CharonOnNatTPortOfLoopback) {
  if (auto why = Charon::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  uint16_t port = freePort(), nat_t = freePort();
  auto charon = Charon::start(port, nat_t);
  // charon expects the non-ESP marker when neither port is 500: --nat-t.
  auto t = probe("ikev2 127.0.0.1 --port " + std::to_string(nat_t) + " --nat-t --timeout 2");
  EXPECT_EQ(t.result.exit_code, 0) << t.result.output << charon->log();
  EXPECT_NE(t.result.output.find("IKEv2: IKE_SA_INIT response (daemon alive)"), std::string::npos) << t.result.output;
  charon->stop();
  auto down = probe("ikev2 127.0.0.1 --port " + std::to_string(nat_t) + " --nat-t --timeout 2");
  EXPECT_EQ(down.result.exit_code, 1) << down.result.output;
  EXPECT_LT(down.seconds, 2.5);
}

TEST(Ikev2Probe, NoProposalChosenIsAliveButNotAnSa) {
  if (auto why = Charon::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  uint16_t port = freePort(), nat_t = freePort();
  // Only Curve25519 (group 31), which the probe never offers.
  auto charon = Charon::start(port, nat_t, "", "aes256-sha256-curve25519");
  std::string cmd = "ikev2 127.0.0.1 --port " + std::to_string(nat_t) + " --nat-t --timeout 2";
  auto alive = probe(cmd);
  EXPECT_EQ(alive.result.exit_code, 0) << alive.result.output << charon->log();
  EXPECT_NE(alive.result.output.find("NO_PROPOSAL_CHOSEN (daemon alive, IKE SA refused)"), std::string::npos)
      << alive.result.output;
  auto sa = probe(cmd + " --expect sa");
  EXPECT_EQ(sa.result.exit_code, 1) << sa.result.output;
  EXPECT_NE(sa.result.output.find("NO_PROPOSAL_CHOSEN"), std::string::npos) << sa.result.output;
  // A daemon that accepts our proposal passes with --expect sa.
  charon->stop();
  auto good = Charon::start(port, nat_t);
  auto full = probe(cmd + " --expect sa");
  EXPECT_EQ(full.result.exit_code, 0) << full.result.output << good->log();
}

// What the probe reads in charon's IKE_SA_INIT response: the chosen
// proposal, IKEV2_FRAGMENTATION_SUPPORTED with strongSwan's fragmentation
// on and off, NAT detection, a COOKIE challenge completed, the vendor ID.
TEST(Ikev2Probe, DiagnosticsFromCharon) {
  if (auto why = Charon::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  uint16_t port = freePort(), nat_t = freePort();
  const std::string cmd = "ikev2 127.0.0.1 --port " + std::to_string(nat_t) + " --nat-t --timeout 2";
  {
    auto charon = Charon::start(port, nat_t, "", "aes128gcm16-prfsha256-ecp384", "send_vendor_id = yes",
                                "fragmentation = yes");
    auto t = probe(cmd + " --verbose --require-fragmentation");
    EXPECT_EQ(t.result.exit_code, 0) << t.result.output << charon->log();
    // charon wants group 20 where the probe sent 19: the probe sends 20, as a client would.
    for (const char* line : {"IKE_SA_INIT response with DH group 20 as asked (daemon alive)",
                             "proposal: AES-GCM-16-128, PRF-HMAC-SHA2-256, ECP-384 (group 20)",
                             "ke_group: group 19 refused (INVALID_KE_PAYLOAD); sent group 20 as asked",
                             "fragmentation: supported (RFC 7383)", "nat: none", "vendor_ids: strongSwan"})
      EXPECT_NE(t.result.output.find(line), std::string::npos) << line << "\n" << t.result.output;
    EXPECT_EQ(t.result.output.find("cookie:"), std::string::npos) << t.result.output;
    // charon logs that it saw our fragmentation notify and answered with its own.
    EXPECT_NE(charon->log().find("N(FRAG_SUP)"), std::string::npos) << charon->log();
  }
  {
    // RRAS's default policy: 3DES, SHA-1, group 2.
    auto charon = Charon::start(port, nat_t, "", "3des-sha1-modp1024", "", "fragmentation = no");
    auto t = probe(cmd + " --json");
    EXPECT_EQ(t.result.exit_code, 0) << t.result.output << charon->log();
    EXPECT_NE(t.result.output.find("\"fragmentation\":\"not offered"), std::string::npos) << t.result.output;
    EXPECT_NE(t.result.output.find("\"proposal\":\"3DES, PRF-HMAC-SHA1, HMAC-SHA1-96, MODP-1024 (group 2)\""),
              std::string::npos)
        << t.result.output;
    auto strict = probe(cmd + " --require-fragmentation");
    EXPECT_EQ(strict.result.exit_code, 1) << strict.result.output;
    EXPECT_NE(strict.result.output.find("without IKEV2_FRAGMENTATION_SUPPORTED (ike_require_fragmentation)"),
              std::string::npos)
        << strict.result.output;
  }
  {
    // charon asks for cookies once one IKE SA is half open: the first probe
    // leaves one, the second meets the challenge and answers it.
    auto charon = Charon::start(port, nat_t, "", Charon::kProposals, "cookie_threshold = 1");
    auto first = probe(cmd);
    EXPECT_EQ(first.result.exit_code, 0) << first.result.output << charon->log();
    EXPECT_EQ(first.result.output.find("COOKIE"), std::string::npos) << first.result.output;
    auto t = probe(cmd + " --verbose");
    EXPECT_EQ(t.result.exit_code, 0) << t.result.output << charon->log();
    EXPECT_NE(t.result.output.find("IKE_SA_INIT response after a COOKIE challenge (daemon alive)"), std::string::npos)
        << t.result.output << charon->log();
    EXPECT_NE(t.result.output.find("cookie: asked (the responder is under load) and answered"), std::string::npos)
        << t.result.output;
    EXPECT_NE(t.result.output.find("proposal: "), std::string::npos) << t.result.output;
  }
}

TEST(Ikev2Probe, CharonOnPort500InANamespaceWithIkeScan) {
  if (auto why = Charon::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  if (auto why = NetNamespace::cannotCreate(); !why.empty()) GTEST_SKIP() << why;
  NetNamespace ns;
  auto charon = Charon::start(500, 4500, ns.name());
  auto t = run(ns.exec() + kGtm + " probe ikev2 127.0.0.1 --timeout 2");
  EXPECT_EQ(t.exit_code, 0) << t.output << charon->log();
  EXPECT_NE(t.output.find("127.0.0.1:500 ikev2"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("IKE_SA_INIT response (daemon alive)"), std::string::npos) << t.output;
  auto natt = run(ns.exec() + kGtm + " probe ikev2 127.0.0.1 --nat-t --timeout 2 --json");
  EXPECT_EQ(natt.exit_code, 0) << natt.output;
  EXPECT_NE(natt.output.find("\"port\":4500"), std::string::npos) << natt.output;
  // ike-scan, an independent client, sees the same daemon.
  if (haveCommand("ike-scan")) {
    auto scan = run(ns.exec() + "ike-scan --ikev2 --sport=0 127.0.0.1");  // charon holds port 500
    EXPECT_TRUE(scan.output.find("1 returned handshake") != std::string::npos ||
                scan.output.find("1 returned notify") != std::string::npos)
        << scan.output;
  }
  charon->stop();
  auto down = run(ns.exec() + kGtm + " probe ikev2 127.0.0.1 --timeout 2");
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_NE(down.output.find("ICMP port unreachable"), std::string::npos) << down.output;
}

}  // namespace
}  // namespace gtm::test
