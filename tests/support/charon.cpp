#include "tests/support/charon.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/gtm_process.hpp"

namespace gtm::test {

namespace {
constexpr const char* kCharon = "/usr/lib/ipsec/charon";
}

std::string Charon::cannotRun() {
  if (::geteuid() != 0) return "charon needs root (CI runs as root)";
  if (::access(kCharon, X_OK) != 0) return "strongSwan charon is not installed (scripts/install-deps.sh test)";
  if (!haveCommand("swanctl")) return "swanctl is not installed (scripts/install-deps.sh test)";
  return "";
}

std::unique_ptr<Charon> Charon::start(uint16_t port, uint16_t nat_t_port, const std::string& netns,
                                      const std::string& proposals, const std::string& settings,
                                      const std::string& connection) {
  auto c = std::unique_ptr<Charon>(new Charon());
  c->dir_ = makeTempDir();
  const std::string vici = c->dir_ + "/charon.vici";
  writeFile(c->dir_, "strongswan.conf",
            "charon {\n  port = " + std::to_string(port) + "\n  port_nat_t = " + std::to_string(nat_t_port) +
                "\n  load = random nonce openssl pem pkcs1 x509 pubkey socket-default kernel-netlink vici\n"
                "  install_routes = no\n  " + settings + "\n  plugins {\n    vici { socket = unix://" + vici +
                " }\n  }\n  filelog {\n    stderr {\n      default = 1\n      flush_line = yes\n    }\n  }\n}\n");
  writeFile(c->dir_, "swanctl.conf",
            "connections {\n  probe {\n    proposals = " + proposals + "\n    " + connection + "\n    local { auth = psk\n      id = gw }\n    remote { auth = psk }\n"
            "    children { c { } }\n  }\n}\nsecrets {\n  ike-probe { secret = \"test-only\" }\n}\n");
  // Its own /run (for its pid file) in a private mount namespace.
  std::string script = "mount -t tmpfs tmpfs /run && exec " + std::string(kCharon);
  std::vector<std::string> argv{"env", "STRONGSWAN_CONF=" + c->dir_ + "/strongswan.conf", "unshare", "-m", "sh", "-c",
                                script};
  if (!netns.empty()) argv.insert(argv.begin(), {"ip", "netns", "exec", netns});
  c->process_ = ChildProcess::start(argv, "");
  for (int i = 0; i < 100 && !std::filesystem::exists(vici); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // The socket file appears a moment before charon accepts on it.
  CommandResult load;
  for (int i = 0; i < 30; ++i) {
    load = run("swanctl --load-all --file " + c->dir_ + "/swanctl.conf --uri unix://" + vici);
    if (load.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (load.exit_code != 0) throw std::runtime_error("swanctl failed: " + load.output + "\n" + c->log());
  return c;
}

void Charon::stop() {
  if (process_) process_->stop();
}

Charon::~Charon() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Charon::log() const { return process_ ? process_->log() : ""; }

std::string NetNamespace::cannotCreate() {
  if (::geteuid() != 0) return "network namespaces need root (CI runs as root)";
  if (!haveCommand("ip")) return "iproute2 is not installed";
  return "";
}

NetNamespace::NetNamespace() {
  static int counter = 0;
  name_ = "gtmtest-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  auto r = run("ip netns add " + name_ + " && ip netns exec " + name_ + " ip link set lo up");
  if (r.exit_code != 0) throw std::runtime_error("cannot create network namespace: " + r.output);
}

NetNamespace::~NetNamespace() { run("ip netns delete " + name_); }

}  // namespace gtm::test
