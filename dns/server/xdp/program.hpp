// The XDP program of gtm serve's AF_XDP mode on one interface: loaded from
// the copy embedded in the binary (redirect.bpf.c), told the listen
// addresses, and attached through a BPF link, so that it goes away with the
// process however that ends. AF_XDP sockets join it per receive queue.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"

struct bpf_object;

namespace gtm::dns::server::xdp {

class Program {
 public:
  // Needs root (CAP_BPF, CAP_NET_ADMIN); done before gtm serve drops it.
  [[nodiscard]] static Result<std::unique_ptr<Program>> attach(const std::string& interface,
                                                               const std::vector<SocketAddress>& listen);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  // From now on, queries arriving on receive queue `queue` go to socket `fd`.
  [[nodiscard]] Result<Ok> addSocket(unsigned queue, int fd);

  [[nodiscard]] const std::string& interface() const { return interface_; }
  [[nodiscard]] unsigned receiveQueues() const { return queues_; }
  [[nodiscard]] unsigned mtu() const { return mtu_; }

 private:
  Program() = default;

  std::string interface_;
  unsigned queues_ = 1;
  unsigned mtu_ = 1500;
  bpf_object* object_ = nullptr;
  int sockets_map_ = -1;
  int link_ = -1;
};

// "xdp_interface: WHAT: the error's text" (err: an errno value, either sign,
// as libbpf and libxdp return them).
[[nodiscard]] std::string failure(const std::string& what, int err);

}  // namespace gtm::dns::server::xdp
