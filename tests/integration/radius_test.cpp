// The RADIUS monitor against a real FreeRADIUS (Debian's freeradius, started
// here on loopback with a config of its own: one client, one test account,
// PAP, Status-Server answered): Access-Accept, Access-Reject with both
// radius_expect values, a wrong shared secret, Status-Server, a server that
// is not there (ICMP) and one that never answers; and gtm serve moving its
// answer when a site's NPS stops. A hostile peer that forges replies.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/socket_servers.hpp"

namespace gtm::test {
namespace {

class FreeRadius {
 public:
  static std::string cannotRun() {
    return ::access("/usr/sbin/freeradius", X_OK) == 0 ? "" : "freeradius is not installed (scripts/install-deps.sh test)";
  }
  // On `address`, at `port` (0: a free one).
  explicit FreeRadius(const std::string& address, uint16_t port = 0)
      : dir_(makeTempDir()), address_(address), port_(port ? port : freePort()) {
    ::chmod(dir_.c_str(), 0755);  // FreeRADIUS refuses a config directory anyone may write
    writeFile(dir_, "dictionary", "$INCLUDE /usr/share/freeradius/dictionary\n");
    writeFile(dir_, "users", "gtm-probe Cleartext-Password := \"probe-pw\"\n");
    writeFile(dir_, "radiusd.conf", "prefix = /usr\nexec_prefix = /usr\nsysconfdir = " + dir_ + "\nlocalstatedir = " + dir_ +
                                        "\nsbindir = /usr/sbin\nlogdir = " + dir_ + "\nraddbdir = " + dir_ +
                                        "\nradacctdir = " + dir_ + "\nname = freeradius\nconfdir = " + dir_ +
                                        "\nmodconfdir = " + dir_ + "\nrun_dir = " + dir_ + "\ndb_dir = " + dir_ +
                                        "\nlibdir = /usr/lib/freeradius\npidfile = " + dir_ + R"(/radiusd.pid
max_request_time = 5
cleanup_delay = 1
max_requests = 1024
hostname_lookups = no
log {
  destination = stdout
  auth = yes
}
security {
  allow_core_dumps = no
  reject_delay = 0
  status_server = yes
}
thread pool {
  start_servers = 1
  max_servers = 2
  min_spare_servers = 1
  max_spare_servers = 2
}
client gtm {
  ipaddr = 127.0.0.0/8
  secret = testing123
}
modules {
  always ok {
    rcode = ok
  }
  pap {
  }
  files {
    filename = )" + dir_ + R"(/users
  }
}
server default {
  listen {
    type = auth
    ipaddr = )" + address_ + R"(
    port = )" + std::to_string(port_) + R"(
  }
  authorize {
    if (Packet-Type == Status-Server) {
      ok
      return
    }
    files
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
  }
}
)");
    writeFile(dir_, "secret", "testing123\n");
    writeFile(dir_, "wrong-secret", "not-the-secret\n");
    writeFile(dir_, "password", "probe-pw\n");
    writeFile(dir_, "wrong-password", "guess\n");
    start();
  }
  void start() {
    process_ = ChildProcess::start({"/usr/sbin/freeradius", "-f", "-d", dir_, "-n", "radiusd", "-l", "stdout"},
                                   "Ready to process requests");
  }
  void stop() { process_.reset(); }
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] std::string file(const std::string& name) const { return dir_ + "/" + name; }
  [[nodiscard]] std::string log() const { return process_ ? process_->log() : ""; }
  // How many logins it has answered (its auth log).
  [[nodiscard]] size_t logins() const {
    std::string l = log();
    size_t n = 0;
    for (size_t at = 0; (at = l.find("Login OK", at)) != std::string::npos; ++at) ++n;
    return n;
  }

 private:
  std::string dir_, address_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

TEST(Radius, ProbeAgainstFreeRadius) {
  if (auto why = FreeRadius::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  FreeRadius nps("127.0.0.1");
  auto probe = [&](const std::string& options) {
    return run(kGtm + " probe radius 127.0.0.1 --port " + std::to_string(nps.port()) + " --timeout 1 " + options);
  };
  std::string account = " --username gtm-probe --password-file " + nps.file("password");
  std::string wrong = " --username gtm-probe --password-file " + nps.file("wrong-password");

  auto accept = probe("--secret-file " + nps.file("secret") + account);
  EXPECT_EQ(accept.exit_code, 0) << accept.output << nps.log();
  EXPECT_NE(accept.output.find("RADIUS: Access-Accept"), std::string::npos) << accept.output;

  auto reject = probe("--secret-file " + nps.file("secret") + wrong);
  EXPECT_EQ(reject.exit_code, 1) << reject.output;
  EXPECT_NE(reject.output.find("Access-Reject for gtm-probe"), std::string::npos) << reject.output;
  auto answer = probe("--secret-file " + nps.file("secret") + wrong + " --expect answer");
  EXPECT_EQ(answer.exit_code, 0) << answer.output;

  auto status = probe("--secret-file " + nps.file("secret") + " --mode status-server --json");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("\"state\":\"Online\""), std::string::npos) << status.output;

  // A wrong secret: FreeRADIUS drops the request (its Message-Authenticator
  // does not verify), so the probe times out and says what that may mean.
  auto secret = probe("--secret-file " + nps.file("wrong-secret") + account);
  EXPECT_EQ(secret.exit_code, 1) << secret.output;
  EXPECT_NE(secret.output.find("shared secret is wrong"), std::string::npos) << secret.output;

  // Nothing there: ICMP port unreachable, at once.
  nps.stop();
  auto gone = probe("--secret-file " + nps.file("secret") + account);
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.output.find("ICMP port unreachable"), std::string::npos) << gone.output;

  // A socket that never answers: a timeout after three tries.
  int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(nps.port());
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  auto quiet = probe("--secret-file " + nps.file("secret") + account);
  ::close(silent);
  EXPECT_EQ(quiet.exit_code, 1);
  EXPECT_NE(quiet.output.find("timeout after 1.0 s (3 Access-Request sent"), std::string::npos) << quiet.output;
}

TEST(Radius, ServeMovesWhenTheSitesNpsStops) {
  if (auto why = FreeRadius::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  // Each "site" is its NPS here: the monitor probes the endpoint's address.
  FreeRadius east("127.0.10.10");
  auto gtm = GtmProcess::serve("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[[zone]]\norigin = "
                               "\"vpn.example.com.\"\nns = [\"ns1.vpn.example.com.\"]\nsoa = { mname = "
                               "\"ns1.vpn.example.com.\", rname = \"hostmaster.example.com.\" }\nrecords = [ { name = "
                               "\"ns1\", type = \"A\", data = \"192.0.2.53\" } ]\n\n[[monitor]]\nname = \"nps\"\nprotocol "
                               "= \"radius\"\nport = " +
                               std::to_string(east.port()) + "\ninterval = 0.5\ntimeout = 0.3\ntolerated_failures = "
                               "0\nsecret_file = \"" +
                               east.file("secret") + "\"\nusername = \"gtm-probe\"\npassword_file = \"" +
                               east.file("password") + R"("

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["nps"]
  [[profile.endpoint]]
  name = "east"
  target = "127.0.10.10"
  priority = 1
  [[profile.endpoint]]
  name = "west"
  target = "127.0.20.10"
  priority = 2
  always_serve = true
)");
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log() << east.log();
  east.stop();
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 3), 0) << gtm->log();
  EXPECT_NE(gtm->log().find("ICMP port unreachable"), std::string::npos) << gtm->log();
}

// Site east is up only while one of its two NPS servers lets the test
// account in (depends_on, min_online = 1): one NPS stopping changes
// nothing, both stopping moves the answer to west, with a reason that
// names the dependency and each failure. Two profiles that depend on the
// same NPS servers probe each once.
TEST(Radius, DependsOnNpsPair) {
  if (auto why = FreeRadius::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps.sh test)";
  FreeRadius nps1("127.0.10.20");
  FreeRadius nps2("127.0.10.21", nps1.port());  // the monitor has one port
  uint16_t sstp_port = freePort();
  auto east = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.10.10:" + std::to_string(sstp_port)}, "listening");
  auto west = ChildProcess::start({SSTP_TEST_SERVER, "--listen", "127.0.20.10:" + std::to_string(sstp_port)}, "listening");
  std::string config = R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1

[status]
listen = "127.0.0.1:{PORT2}"

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "192.0.2.53" } ]

[[monitor]]
name = "sstp"
protocol = "sstp"
port = )" + std::to_string(sstp_port) + R"(
interval = 0.5
timeout = 0.3
tolerated_failures = 0

[[monitor]]
name = "nps"
protocol = "radius"
port = )" + std::to_string(nps1.port()) + R"(
interval = 0.5
timeout = 0.3
tolerated_failures = 0
secret_file = ")" + nps1.file("secret") + R"("
username = "gtm-probe"
password_file = ")" + nps1.file("password") + "\"\n";
  for (const char* name : {"aovpn", "ikev2"})
    config += std::string("\n[[profile]]\nname = \"") + name + "\"\nfqdn = \"" + name + R"(.vpn.example.com."
ttl = 5
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "east"
  target = "127.0.10.10"
  priority = 1
  depends_on = [{ monitor = "nps", targets = ["127.0.10.20", "127.0.10.21"], min_online = 1 }]
  [[profile.endpoint]]
  name = "west"
  target = "127.0.20.10"
  priority = 2
)";
  auto gtm = GtmProcess::serve(config);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log() << nps1.log();

  // Two profiles use each NPS: probed once per interval, not twice.
  size_t before = nps1.logins();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  size_t probes = nps1.logins() - before;
  EXPECT_GE(probes, 3u);
  EXPECT_LE(probes, 5u) << "2 s at one probe per 0.5 s";

  nps1.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(firstAnswer(gtm->port()), "127.0.10.10") << "one NPS of two is enough\n" << gtm->log();
  nps2.stop();
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 3), 0) << gtm->log();
  EXPECT_NE(gtm->log().find("nps: 0 of 2 online: ICMP port unreachable"), std::string::npos) << gtm->log();
  EXPECT_NE(gtm->log().find("from 127.0.10.20; ICMP port unreachable"), std::string::npos) << gtm->log();
  // The status page shows the dependency's checks under the endpoint.
  auto status = run("curl -s http://127.0.0.1:" + std::to_string(gtm->port2()) + "/api/v1/status").output;
  EXPECT_NE(status.find("\"monitor\":\"nps\""), std::string::npos) << status;
  // One back is enough again.
  nps2.start();
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 3), 0) << gtm->log();
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

// A hostile RADIUS peer written for the test: to each request it sends
// first a forged Access-Reject (an off-path spoofer's guess: the right ID,
// no secret), then, unless `genuine` is false, the genuine Access-Accept
// made with the shared secret, with or without a Message-Authenticator.
class ForgingServer {
 public:
  ForgingServer(std::string secret, bool genuine, bool message_authenticator)
      : secret_(std::move(secret)), genuine_(genuine), ma_(message_authenticator),
        server_([this](int fd, const sockaddr_in& from, std::span<const uint8_t> request) { answer(fd, from, request); }) {}
  [[nodiscard]] uint16_t port() const { return server_.port(); }
  [[nodiscard]] bool bound() const { return server_.bound(); }

 private:
  void answer(int fd, const sockaddr_in& from, std::span<const uint8_t> request) {
    if (request.size() < 20) return;
    std::vector<uint8_t> request_auth(request.begin() + 4, request.begin() + 20);
    auto send = [&](const std::vector<uint8_t>& p) {
      ::sendto(fd, p.data(), p.size(), 0, reinterpret_cast<const sockaddr*>(&from), sizeof from);
    };
    send(reply(3, request[1], request_auth, "forged-secret", false));  // Access-Reject
    if (!genuine_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    send(reply(2, request[1], request_auth, secret_, ma_));  // Access-Accept
  }
  // A reply as RFC 2865 3 and RFC 3579 3.2 make it with `secret`.
  static std::vector<uint8_t> reply(uint8_t code, uint8_t id, const std::vector<uint8_t>& request_auth,
                                    const std::string& secret, bool message_authenticator) {
    std::vector<uint8_t> p{code, id, 0, 0};
    p.insert(p.end(), request_auth.begin(), request_auth.end());
    size_t ma_at = 0;
    if (message_authenticator) {
      p.push_back(80);
      p.push_back(18);
      ma_at = p.size();
      p.insert(p.end(), 16, 0);
    }
    p[2] = static_cast<uint8_t>(p.size() >> 8);
    p[3] = static_cast<uint8_t>(p.size());
    if (ma_at) {
      unsigned len = 0;
      HMAC(EVP_md5(), secret.data(), static_cast<int>(secret.size()), p.data(), p.size(), p.data() + ma_at, &len);
    }
    std::vector<uint8_t> hashed = p;
    hashed.insert(hashed.end(), secret.begin(), secret.end());
    unsigned len = 0;
    EVP_Digest(hashed.data(), hashed.size(), p.data() + 4, &len, EVP_md5(), nullptr);
    return p;
  }

  std::string secret_;
  bool genuine_, ma_;
  UdpServer server_;  // last: it calls answer() until destroyed
};

TEST(Radius, RepliesThatDoNotVerifyAreDiscarded) {
  std::string dir = makeTempDir();
  std::string secret = writeFile(dir, "secret", "probe-secret\n");
  std::string password = writeFile(dir, "password", "probe-pw\n");
  auto probe = [&](uint16_t port, const std::string& options = "") {
    return run(kGtm + " probe radius 127.0.0.1 --port " + std::to_string(port) + " --timeout 1 --secret-file " +
               secret + " --username gtm-probe --password-file " + password + " --verbose " + options);
  };
  {
    // A forged Access-Reject first, the genuine Access-Accept 50 ms later:
    // the forgery is discarded, the genuine answer passes.
    ForgingServer server("probe-secret", true, true);
    ASSERT_TRUE(server.bound());
    auto r = probe(server.port());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("RADIUS: Access-Accept"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("message_authenticator: sent"), std::string::npos) << r.output;
  }
  {
    // Only forgeries: a failure that names what was discarded.
    ForgingServer server("probe-secret", false, false);
    auto r = probe(server.port());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("discarded a Access-Reject whose Response Authenticator does not match"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("or a forged reply"), std::string::npos) << r.output;
  }
  {
    // A genuine reply without a Message-Authenticator passes, unless one is
    // required (Blast-RADIUS).
    ForgingServer server("probe-secret", true, false);
    auto plain = probe(server.port());
    EXPECT_EQ(plain.exit_code, 0) << plain.output;
    EXPECT_NE(plain.output.find("message_authenticator: not sent"), std::string::npos) << plain.output;
    auto required = probe(server.port(), "--require-message-authenticator");
    EXPECT_EQ(required.exit_code, 1) << required.output;
    EXPECT_NE(required.output.find("without a Message-Authenticator (radius_require_message_authenticator)"),
              std::string::npos)
        << required.output;
  }
}

}  // namespace
}  // namespace gtm::test
