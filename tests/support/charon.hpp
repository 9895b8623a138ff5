// A strongSwan charon started for a test: its own strongswan.conf and
// swanctl.conf in a temporary folder, its own /run (a private mount
// namespace, so that several can run at once), optionally inside a network
// namespace. Needs root; tests check canRun() and skip otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/gtm_process.hpp"

namespace gtm::test {

class Charon {
 public:
  // Why a test cannot run charon here, or "" when it can.
  static std::string cannotRun();

  // Listens on UDP `port` and `nat_t_port` (inside `netns` when not empty)
  // and accepts IKE_SA_INIT from anyone with a PSK connection.
  static constexpr const char* kProposals = "aes256-sha256-ecp256, aes128-sha1-modp2048, aes128gcm16-prfsha256-ecp256";
  // `proposals`: the IKE proposals charon accepts (swanctl.conf syntax);
  // `settings`: more lines for strongswan.conf's charon section
  // ("cookie_threshold = 0"); `connection`: for the connection
  // ("fragmentation = no").
  static std::unique_ptr<Charon> start(uint16_t port, uint16_t nat_t_port, const std::string& netns = "",
                                       const std::string& proposals = kProposals, const std::string& settings = "",
                                       const std::string& connection = "");
  ~Charon();
  void stop();
  [[nodiscard]] std::string log() const;

 private:
  std::unique_ptr<ChildProcess> process_;
  std::string dir_;
};

// A network namespace with loopback up, deleted with the object.
class NetNamespace {
 public:
  static std::string cannotCreate();
  NetNamespace();
  ~NetNamespace();
  [[nodiscard]] const std::string& name() const { return name_; }
  // "ip netns exec NAME " to put in front of a command.
  [[nodiscard]] std::string exec() const { return "ip netns exec " + name_ + " "; }

 private:
  std::string name_;
};

}  // namespace gtm::test
