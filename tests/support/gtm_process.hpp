// Runs the real gtm binary for integration tests: writes a config to a
// temporary folder, starts `gtm serve`, waits until it answers, and stops it
// (by its own PID) when the test ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace gtm::test {

// The binaries under test, where the build put them (compile definitions of
// the test targets).
#ifdef GTM_BINARY
inline const std::string kGtm = GTM_BINARY;
#endif
#ifdef SSTP_TEST_SERVER
inline const std::string kSstpServer = SSTP_TEST_SERVER;
#endif

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, bounded by `timeout` seconds (coreutils timeout).
CommandResult run(const std::string& command, int timeout = 20);

// A port free for both UDP and TCP on 127.0.0.1 right now, at random below
// the kernel's ephemeral range (where connections take their source ports).
uint16_t freePort();

// A fresh temporary folder, removed when the test binary exits (kept with
// GTM_KEEP_TEST_DIRS=1).
std::string makeTempDir();
std::string writeFile(const std::string& dir, const std::string& name, const std::string& text);
// A DNSSEC key pair for `zone` made by ldns-keygen in `dir` with `args`
// ("-a ED25519 -k"); the path without .key/.private, or "" when it failed.
std::string ldnsKeygen(const std::string& dir, const std::string& args, const std::string& zone);

bool haveCommand(const std::string& name);

// Polls `done` every 50 ms until it holds or `seconds` pass: the time it
// took, or -1.
template <class F>
double within(double seconds, F done) {
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (done()) return t;
    if (t > seconds) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Any program started for a test, stopped (by its own PID) with the object.
class ChildProcess {
 public:
  // Starts argv[0] with stdout and stderr to a log; waits until the log
  // holds `ready_text` (when not empty).
  static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& argv, const std::string& ready_text,
                                            std::chrono::milliseconds wait = std::chrono::seconds(5));
  ~ChildProcess();
  void stop();
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string log() const;

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

class GtmProcess {
 public:
  // "{PORT}" in the config text is replaced by a free port, "{PORT2}" by
  // another (for the status server).
  // extra_args follow "serve --config FILE".
  static std::unique_ptr<GtmProcess> serve(const std::string& config_text,
                                           const std::vector<std::string>& extra_args = {});
  ~GtmProcess();

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] uint16_t port2() const { return port2_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& configPath() const { return config_path_; }
  [[nodiscard]] std::string log() const;  // what gtm wrote to stderr so far
  [[nodiscard]] bool running();

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t port2_ = 0;
  std::string dir_;
  std::string config_path_;
};

}  // namespace gtm::test
