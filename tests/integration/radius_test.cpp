// The RADIUS monitor against a real FreeRADIUS (Debian's freeradius, started
// here on loopback with a config of its own: one client, one test account,
// PAP, Status-Server answered): Access-Accept, Access-Reject with both
// radius_expect values, a wrong shared secret, Status-Server, a server that
// is not there (ICMP) and one that never answers; and gtm serve moving its
// answer when a site's NPS stops.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"

namespace gtm::test {
namespace {

const std::string kGtm = GTM_BINARY;

class FreeRadius {
 public:
  static std::string cannotRun() {
    return ::access("/usr/sbin/freeradius", X_OK) == 0 ? "" : "freeradius is not installed (scripts/install-deps.sh test)";
  }
  explicit FreeRadius(const std::string& address) : dir_(makeTempDir()), address_(address), port_(freePort()) {
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

}  // namespace
}  // namespace gtm::test
