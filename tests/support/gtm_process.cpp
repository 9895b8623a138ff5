#include "tests/support/gtm_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/query_builder.hpp"

namespace gtm::test {

CommandResult run(const std::string& command, int timeout) {
  CommandResult r;
  std::string quoted;
  for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  std::string cmd = "timeout " + std::to_string(timeout) + " sh -c '" + quoted + "' 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.output.append(buf, n);
  int status = ::pclose(f);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool haveCommand(const std::string& name) { return run("command -v " + name + " >/dev/null").exit_code == 0; }

namespace {

// Whether a TCP and a UDP socket can both bind 127.0.0.1:port now.
bool bindable(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = true;
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    int fd = ::socket(AF_INET, type, 0);
    ok = ok && fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (fd >= 0) ::close(fd);
  }
  return ok;
}

}  // namespace

// Below the kernel's ephemeral range: a port handed out there could be
// taken as the source port of any connection on the machine (another test's
// curl, say) between this call and the bind of whoever asked for it.
uint16_t freePort() {
  unsigned low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
  if (low > 65535) low = 32768;
  const unsigned from = 10000, to = std::max(low, from + 1000);
  static std::mutex mutex;
  static std::mt19937 pick{std::random_device{}()};
  std::lock_guard lock(mutex);
  std::uniform_int_distribution<unsigned> port(from, to - 1);
  for (int attempt = 0; attempt < 200; ++attempt)
    if (uint16_t p = static_cast<uint16_t>(port(pick)); bindable(p)) return p;
  throw std::runtime_error("no free port");
}

namespace {

// The folders made for this test binary, removed when it exits (an etcd
// data folder alone holds a 62 MB write-ahead log); GTM_KEEP_TEST_DIRS=1
// keeps them to look at.
struct TempDirs {
  std::mutex mutex;
  std::vector<std::string> made;
  ~TempDirs() {
    if (std::getenv("GTM_KEEP_TEST_DIRS")) return;
    for (const std::string& dir : made) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }
};

TempDirs& tempDirs() {
  static TempDirs dirs;
  return dirs;
}

}  // namespace

std::string makeTempDir() {
  char templ[] = "/tmp/gtm-test-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  {
    TempDirs& dirs = tempDirs();
    std::lock_guard lock(dirs.mutex);
    dirs.made.push_back(templ);
  }
  // gtm serve started as root runs as nobody: it must still read its config
  // and write its state file here.
  ::chmod(templ, 0777);
  return templ;
}

std::string ldnsKeygen(const std::string& dir, const std::string& args, const std::string& zone) {
  auto r = run("cd " + dir + " && ldns-keygen " + args + " " + zone);
  std::string name = r.output;
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return r.exit_code == 0 && !name.empty() ? dir + "/" + name : "";
}

std::string writeFile(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::unique_ptr<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv, const std::string& ready_text,
                                                  std::chrono::milliseconds wait) {
  auto c = std::unique_ptr<ChildProcess>(new ChildProcess());
  c->dir_ = makeTempDir();
  std::string log_path = c->dir_ + "/output.log";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  c->pid_ = pid;
  for (long i = 0; i < wait.count() / 50 && !ready_text.empty(); ++i) {
    if (c->log().find(ready_text) != std::string::npos) return c;
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      c->pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ready_text.empty()) throw std::runtime_error(argv[0] + " did not start: " + c->log());
  return c;
}

void ChildProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

ChildProcess::~ChildProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string ChildProcess::log() const {
  std::ifstream in(dir_ + "/output.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<GtmProcess> GtmProcess::serve(const std::string& config_text,
                                              const std::vector<std::string>& extra_args) {
  auto p = std::unique_ptr<GtmProcess>(new GtmProcess());
  p->port_ = freePort();
  std::string text = config_text;
  for (size_t pos; (pos = text.find("{PORT}")) != std::string::npos;)
    text.replace(pos, 6, std::to_string(p->port_));
  if (text.find("{PORT2}") != std::string::npos) p->port2_ = freePort();
  for (size_t pos; (pos = text.find("{PORT2}")) != std::string::npos;)
    text.replace(pos, 7, std::to_string(p->port2_));
  p->dir_ = makeTempDir();
  p->config_path_ = writeFile(p->dir_, "gtm.toml", text);
  std::string log_path = p->dir_ + "/stderr.log";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    std::vector<std::string> args{GTM_BINARY, "serve", "--config", p->config_path_};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(GTM_BINARY, argv.data());
    _exit(127);
  }
  p->pid_ = pid;
  // Ready when it answers a query on UDP.
  QuerySpec q;
  q.name = "ready.check.invalid.";
  for (int i = 0; i < 100; ++i) {
    if (!udpExchange("127.0.0.1", p->port_, buildQuery(q), 100).empty()) return p;
    if (!p->running()) break;
  }
  throw std::runtime_error("gtm did not start: " + p->log());
}

bool GtmProcess::running() {
  if (pid_ <= 0) return false;
  int status;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string GtmProcess::log() const {
  std::ifstream in(dir_ + "/stderr.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

GtmProcess::~GtmProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50 && running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace gtm::test
