// gtm serve as a system service: it tells systemd when it is ready and when
// it reloads (Type=notify), and after opening port 53's sockets as root it
// runs as the configured user.
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

TEST(Service, NotifiesReadyAndReloading) {
  std::string dir = makeTempDir();
  std::string path = dir + "/notify";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::chmod(path.c_str(), 0666);  // gtm started as root notifies as nobody, as systemd's socket allows
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  auto gtm = GtmProcess::serve(testConfig("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n"));
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_NE(receive(fd, 2000).find("READY=1"), std::string::npos);
  ::kill(gtm->pid(), SIGHUP);
  EXPECT_NE(receive(fd, 2000).find("RELOADING=1"), std::string::npos);
  EXPECT_NE(receive(fd, 2000).find("READY=1"), std::string::npos);
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

}  // namespace
}  // namespace gtm::test
