// gtm serve as a system service: it tells systemd when it is ready and when
// it reloads (Type=notify), and after opening port 53's sockets as root it
// runs as the configured user.
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

std::string receive(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return "";
  char buf[512];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// A socket standing in for systemd's notify socket, named in NOTIFY_SOCKET
// for the gtm started next (the caller unsets it).
void notifySocket(int& fd) {
  std::string path = makeTempDir() + "/notify";
  fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::chmod(path.c_str(), 0666);  // gtm started as root notifies as nobody, as systemd's socket allows
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
}

TEST(Service, NotifiesReadyAndReloading) {
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(notifySocket(fd));
  auto gtm = GtmProcess::serve(testConfig("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n"));
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_NE(receive(fd, 2000).find("READY=1"), std::string::npos);
  ::kill(gtm->pid(), SIGHUP);
  EXPECT_NE(receive(fd, 2000).find("RELOADING=1"), std::string::npos);
  EXPECT_NE(receive(fd, 2000).find("READY=1"), std::string::npos);
  ::close(fd);
}

// Every WATCHDOG=1 that arrives within `ms`.
int watchdogPings(int fd, int ms) {
  int pings = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
    if (left <= 0) return pings;
    if (receive(fd, left).find("WATCHDOG=1") != std::string::npos) ++pings;
  }
}

// systemd's watchdog is petted only while every part makes progress: with
// the monitor engine's thread held (ptrace stops that one thread, the rest
// run on), the pings stop; released, they come back.
TEST(Service, WatchdogStopsWhenTheMonitorsStall) {
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(notifySocket(fd));
  ::setenv("WATCHDOG_USEC", "2000000", 1);  // pinged every second
  auto gtm = GtmProcess::serve(testConfig("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n"));
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_GE(watchdogPings(fd, 2500), 1) << gtm->log();

  pid_t monitor = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(gtm->pid()) + "/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name == "gtm-monitor") monitor = std::stoi(task.path().filename().string());
  }
  ASSERT_GT(monitor, 0) << "no thread named gtm-monitor";
  ASSERT_EQ(::ptrace(PTRACE_SEIZE, monitor, nullptr, nullptr), 0) << std::strerror(errno);
  ASSERT_EQ(::ptrace(PTRACE_INTERRUPT, monitor, nullptr, nullptr), 0) << std::strerror(errno);
  int status = 0;
  ASSERT_EQ(::waitpid(monitor, &status, __WALL), monitor);
  // Within the 2 s interval plus one 1 s check the pings stop, while DNS
  // still answers (the query threads run on).
  watchdogPings(fd, 3500);
  EXPECT_EQ(watchdogPings(fd, 2500), 0) << gtm->log();
  EXPECT_EQ(firstAnswer(gtm->port()), "198.51.100.10");
  EXPECT_NE(gtm->log().find("part=\"monitor engine\""), std::string::npos) << gtm->log();
  ASSERT_EQ(::ptrace(PTRACE_DETACH, monitor, nullptr, nullptr), 0) << std::strerror(errno);
  EXPECT_GE(watchdogPings(fd, 3000), 1) << gtm->log();
  EXPECT_NE(gtm->log().find("every part makes progress again"), std::string::npos) << gtm->log();
  ::close(fd);
}

// Started as root, with `user` set or not (then "nobody"), every thread runs
// as the unprivileged user from before the first query.
void expectEveryThreadRunsAsNobody(const std::string& dns_table) {
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_TRUE(nobody);
  auto gtm = GtmProcess::serve(testConfig(dns_table));
  auto p = decode(udpExchange("127.0.0.1", gtm->port(), buildQuery(QuerySpec{})));
  ASSERT_TRUE(p);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
  // Every thread: real, effective, saved and filesystem uid are nobody's.
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(gtm->pid()) + "/task")) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("Uid:", 0) == 0) {
        std::istringstream uids(line.substr(4));
        unsigned uid;
        int n = 0;
        while (uids >> uid) {
          EXPECT_EQ(uid, nobody->pw_uid) << task.path() << ": " << line;
          ++n;
        }
        EXPECT_EQ(n, 4);
      }
  }
  EXPECT_NE(gtm->log().find("msg=\"running as\" user=nobody"), std::string::npos) << gtm->log();
  EXPECT_LT(gtm->log().find("msg=\"running as\""), gtm->log().find("msg=serving")) << gtm->log();
}

TEST(Service, DropsRootAfterBinding) {
  if (::geteuid() != 0) GTEST_SKIP() << "dropping privileges needs root (CI runs as root)";
  expectEveryThreadRunsAsNobody("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 2\nuser = \"nobody\"\n");
}

TEST(Service, NeverAnswersAsRootEvenWithoutAUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "dropping privileges needs root (CI runs as root)";
  expectEveryThreadRunsAsNobody("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 2\n");
  std::string dir = makeTempDir();
  std::string path = writeFile(dir, "root.toml", testConfig("[dns]\nlisten = [\"127.0.0.1:25999\"]\nuser = \"root\"\n"));
  auto r = run(std::string(GTM_BINARY) + " serve --config " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("does not answer queries as root"), std::string::npos) << r.output;
}

// Config for the privilege tests: the status server with a token and a
// state file, and a monitor whose ca_file is root-only.
std::string adminConfig(const std::string& dir, const std::string& state_dir) {
  return testConfig("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\nuser = \"nobody\"\n") +
         "\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\ntoken_file = \"" + dir + "/token\"\nstate_file = \"" +
         state_dir + "/admin.json\"\n\n[[monitor]]\nname = \"tls\"\nprotocol = \"https\"\nverify_tls = true\n"
         "host = \"vpn.example.com\"\nca_file = \"" + dir + "/ca.pem\"\n";
}

void writeRootOnlySecrets(const std::string& dir) {
  writeFile(dir, "token", "s3cret\n");
  auto ca = run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + dir +
                "/ca.key -out " + dir + "/ca.pem -subj /CN=test-ca -days 2 2>&1");
  ASSERT_EQ(ca.exit_code, 0) << ca.output;
  for (const char* f : {"/token", "/ca.pem", "/ca.key"}) {
    ASSERT_EQ(::chown((dir + f).c_str(), 0, 0), 0);
    ASSERT_EQ(::chmod((dir + f).c_str(), 0600), 0);
  }
}

// A state directory that the user gtm runs as cannot write: refused at
// start with the fix in the message, never a start that answers 500 later.
TEST(Service, RefusesAStateDirectoryItCannotWriteAfterDroppingRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "dropping privileges needs root (CI runs as root)";
  std::string dir = makeTempDir();
  std::string state_dir = dir + "/state";
  ASSERT_EQ(::mkdir(state_dir.c_str(), 0755), 0);  // root's
  ASSERT_NO_FATAL_FAILURE(writeRootOnlySecrets(dir));
  std::string text = adminConfig(dir, state_dir);
  text.replace(text.find("{PORT}"), 6, std::to_string(freePort()));
  text.replace(text.find("{PORT2}"), 7, std::to_string(freePort()));
  std::string config = writeFile(dir, "gtm.toml", text);
  auto r = run(std::string(GTM_BINARY) + " serve --config " + config, 5);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("directory " + state_dir + " not writable by this user"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("install -d -o USER " + state_dir), std::string::npos) << r.output;
}

// Root-only token and CA files: read as root at start, kept for reloads
// after dropping root; admin actions are saved where the user may write,
// and one that cannot be saved answers 500 and changes nothing.
TEST(Service, DroppedRootReloadsWithRootOnlyFilesAndSavesAdminState) {
  if (::geteuid() != 0) GTEST_SKIP() << "dropping privileges needs root (CI runs as root)";
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_TRUE(nobody);
  std::string dir = makeTempDir();
  std::string state_dir = dir + "/state";
  ASSERT_EQ(::mkdir(state_dir.c_str(), 0755), 0);
  ASSERT_EQ(::chown(state_dir.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  ASSERT_NO_FATAL_FAILURE(writeRootOnlySecrets(dir));
  auto gtm = GtmProcess::serve(adminConfig(dir, state_dir));
  ASSERT_EQ(firstAnswer(gtm->port()), "198.51.100.10");

  // A changed config reloads (the file watcher, or SIGHUP) as nobody.
  std::ifstream in(gtm->configPath());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("198.51.100.10"), 13, "198.51.100.99");
  writeFile(std::filesystem::path(gtm->configPath()).parent_path().string(), "gtm.toml", text);
  ::kill(gtm->pid(), SIGHUP);
  std::string answer;
  for (int i = 0; i < 60 && (answer = firstAnswer(gtm->port())) != "198.51.100.99"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(answer, "198.51.100.99") << gtm->log();
  EXPECT_EQ(gtm->log().find("reload failed"), std::string::npos) << gtm->log();
  // The root-only files were taken from what was read at start, and the
  // log says so (a rotated secret there needs a restart).
  EXPECT_NE(gtm->log().find("used as it was read at start"), std::string::npos) << gtm->log();

  // Control works, and the override is on disk, owned by nobody.
  std::string cli = std::string(GTM_BINARY) + " endpoint disable aovpn/east --config " + gtm->configPath();
  auto off = run(cli);
  EXPECT_EQ(off.exit_code, 0) << off.output << gtm->log();
  EXPECT_EQ(firstAnswer(gtm->port()), "203.0.113.10");
  struct stat st {};
  ASSERT_EQ(::stat((state_dir + "/admin.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody->pw_uid);
  // The directory turns read-only: enabling cannot be saved, so it fails
  // (500) and east stays disabled.
  ASSERT_EQ(::chmod(state_dir.c_str(), 0555), 0);
  auto on = run(std::string(GTM_BINARY) + " endpoint enable aovpn/east --config " + gtm->configPath());
  EXPECT_NE(on.exit_code, 0) << on.output;
  EXPECT_NE(on.output.find("admin state not saved"), std::string::npos) << on.output;
  EXPECT_EQ(firstAnswer(gtm->port()), "203.0.113.10");
}

TEST(Service, CorruptStateFileRefusesStartUnlessIgnored) {
  std::string dir = makeTempDir();
  writeFile(dir, "admin.json", "{\"endpoints\": {\"aovpn/east\": \"disab");
  std::string text = testConfig("[dns]\nlisten = [\"127.0.0.1:" + std::to_string(freePort()) + "\"]\nthreads = 1\n") +
                     "\n[status]\nlisten = \"127.0.0.1:" + std::to_string(freePort()) + "\"\nstate_file = \"" + dir +
                     "/admin.json\"\n";
  std::string config = writeFile(dir, "gtm.toml", text);
  auto refused = run(std::string(GTM_BINARY) + " serve --config " + config, 5);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find(dir + "/admin.json\\\" is corrupt"), std::string::npos) << refused.output;
  // --ignore-state: it starts (and runs until the 2 s timeout stops it).
  auto ignored = run("timeout 2 " + std::string(GTM_BINARY) + " serve --ignore-state --config " + config, 5);
  EXPECT_EQ(ignored.exit_code, 124) << ignored.output;
  EXPECT_NE(ignored.output.find("admin state ignored"), std::string::npos) << ignored.output;
}

}  // namespace
}  // namespace gtm::test
