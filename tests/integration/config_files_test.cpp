// Files a config names, as a careless admin or a hostile one leaves them: a
// FIFO, /dev/zero, an empty file, a directory. gtm check refuses each at
// once with the message gtm serve gives, never blocks or fills memory.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <filesystem>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

std::string withStatus(const std::string& token_file, const std::string& listen = "127.0.0.1:0") {
  return testConfig("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n") + "\n[status]\nlisten = \"" + listen +
         "\"\ntoken_file = \"" + token_file + "\"\n";
}

TEST(ConfigFiles, TokenFileMustBeASmallNonEmptyRegularFile) {
  std::string dir = makeTempDir();
  std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  writeFile(dir, "empty", "\n");
  struct Case {
    std::string path, expect;
  } cases[] = {
      {fifo, "is a FIFO, not a regular file"},
      {"/dev/zero", "is a character device, not a regular file"},
      {dir, "is a directory, not a regular file"},
      {dir + "/empty", "is empty"},
      {dir + "/missing", "No such file or directory"},
  };
  for (const Case& c : cases) {
    std::string text = withStatus(c.path);
    text.replace(text.find("{PORT}"), 6, "5353");
    std::string config = writeFile(dir, "gtm.toml", text);
    auto start = std::chrono::steady_clock::now();
    auto check = run(kGtm + " check --config " + config, 5);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(check.exit_code, 1) << c.path << ": " << check.output;
    EXPECT_LT(seconds, 1.0) << c.path;
    EXPECT_NE(check.output.find("[status] token_file: \"" + c.path + "\""), std::string::npos) << check.output;
    EXPECT_NE(check.output.find(c.expect), std::string::npos) << check.output;
    // gtm serve says the same and does not start.
    auto serve = run(kGtm + " serve --config " + config, 5);
    EXPECT_EQ(serve.exit_code, 1) << serve.output;
    EXPECT_NE(serve.output.find(c.expect), std::string::npos) << serve.output;
  }
}

// A table header of 50,000 parts overflowed toml++'s stack: gtm check
// died with SIGSEGV, and a running gtm serve died on the automatic reload.
TEST(ConfigFiles, DeepHeaderIsRefusedAndTheServerKeepsServing) {
  std::string deep = "[a";
  for (int i = 0; i < 50000; ++i) deep += ".a";
  deep += "]\n";
  std::string dir = makeTempDir();
  auto check = run(kGtm + " check --config " + writeFile(dir, "deep.toml", deep), 10);
  EXPECT_EQ(check.exit_code, 1) << check.output.substr(0, 300);
  EXPECT_NE(check.output.find("deep.toml:1:65: a key of more than 32 dotted parts"), std::string::npos)
      << check.output.substr(0, 300);

  auto gtm = GtmProcess::serve(testConfig("[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n"));
  ASSERT_EQ(firstAnswer(gtm->port()), "198.51.100.10");
  // Overwritten in place: the file watcher reloads it.
  writeFile(std::filesystem::path(gtm->configPath()).parent_path().string(), "gtm.toml", deep);
  for (int i = 0; i < 60 && gtm->log().find("reload failed") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(gtm->running());
  EXPECT_NE(gtm->log().find("reload failed, still serving the previous config"), std::string::npos)
      << gtm->log().substr(0, 500);
  EXPECT_EQ(firstAnswer(gtm->port()), "198.51.100.10");
}

// A reload that meets a FIFO used to block the main thread, so that later
// reloads and even SIGTERM were ignored: now it fails at once, and SIGTERM
// right after stops gtm within a second.
TEST(ConfigFiles, ReloadMeetingAFifoFailsAndSigtermStillStops) {
  std::string dir = makeTempDir();
  writeFile(dir, "token", "t0ken\n");
  auto gtm = GtmProcess::serve(withStatus(dir + "/token", "127.0.0.1:{PORT2}"));
  std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  std::ifstream in(gtm->configPath());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find(dir + "/token"), dir.size() + 6, fifo);
  writeFile(std::filesystem::path(gtm->configPath()).parent_path().string(), "gtm.toml", text);
  ::kill(gtm->pid(), SIGHUP);
  for (int i = 0; i < 40 && gtm->log().find("reload failed") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  EXPECT_NE(gtm->log().find("is a FIFO, not a regular file"), std::string::npos) << gtm->log();
  EXPECT_EQ(firstAnswer(gtm->port()), "198.51.100.10");
  auto start = std::chrono::steady_clock::now();
  ::kill(gtm->pid(), SIGTERM);
  while (gtm->running() && std::chrono::steady_clock::now() - start < std::chrono::seconds(3))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(gtm->running());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace gtm::test
