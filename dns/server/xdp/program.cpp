#include "dns/server/xdp/program.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

extern "C" const unsigned char gtm_xdp_object_begin[];
extern "C" const unsigned char gtm_xdp_object_end[];

namespace gtm::dns::server::xdp {
namespace {

// Must match struct listen_key in redirect.bpf.c.
struct ListenKey {
  uint8_t address[16];
  uint16_t port;  // network order
  uint16_t pad;
};

// A wildcard address stays all zero but for IPv4's ::ffff: prefix.
ListenKey keyOf(const SocketAddress& at) {
  ListenKey key{};
  if (at.ip.family == IpAddress::Family::v4) {
    key.address[10] = key.address[11] = 0xff;
    std::memcpy(&key.address[12], at.ip.bytes.data(), 4);
  } else {
    std::memcpy(key.address, at.ip.bytes.data(), 16);
  }
  key.port = htons(at.port);
  return key;
}

unsigned countReceiveQueues(const std::string& interface) {
  unsigned n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net/" + interface + "/queues", ec))
    if (entry.path().filename().string().starts_with("rx-")) ++n;
  return n ? n : 1;
}

unsigned readMtu(const std::string& interface) {
  std::ifstream in("/sys/class/net/" + interface + "/mtu");
  unsigned mtu = 0;
  in >> mtu;
  return mtu ? mtu : 1500;
}

}  // namespace

std::string failure(const std::string& what, int err) {
  return "xdp_interface: " + what + ": " + std::strerror(err < 0 ? -err : err);
}

Result<std::unique_ptr<Program>> Program::attach(const std::string& interface,
                                                 const std::vector<SocketAddress>& listen) {
  std::unique_ptr<Program> p(new Program);
  p->interface_ = interface;
  unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) return Error{"xdp_interface: no interface named '" + interface + "'"};
  p->queues_ = countReceiveQueues(interface);
  p->mtu_ = readMtu(interface);

  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = "gtm_dns_redirect");
  p->object_ = bpf_object__open_mem(gtm_xdp_object_begin,
                                    static_cast<size_t>(gtm_xdp_object_end - gtm_xdp_object_begin), &open_opts);
  if (!p->object_) return Error{failure("cannot open the XDP program", errno)};
  if (int err = bpf_object__load(p->object_)) return Error{failure("cannot load the XDP program", err)};
  bpf_program* prog = bpf_object__find_program_by_name(p->object_, "gtm_dns_redirect");
  int listen_map = bpf_object__find_map_fd_by_name(p->object_, "listen_addresses");
  p->sockets_map_ = bpf_object__find_map_fd_by_name(p->object_, "sockets");
  if (!prog || listen_map < 0 || p->sockets_map_ < 0) return Error{"xdp_interface: the embedded program is incomplete"};
  for (const SocketAddress& at : listen) {
    ListenKey key = keyOf(at);
    uint8_t yes = 1;
    if (bpf_map_update_elem(listen_map, &key, &yes, BPF_ANY) != 0)
      return Error{failure("cannot add listen address " + at.toString(), errno)};
  }
  // Native XDP where the driver has it, generic XDP elsewhere (the kernel's choice).
  p->link_ = bpf_link_create(bpf_program__fd(prog), static_cast<int>(ifindex), BPF_XDP, nullptr);
  if (p->link_ < 0) return Error{failure("cannot attach to " + interface, p->link_)};
  return p;
}

Program::~Program() {
  if (link_ >= 0) ::close(link_);  // detaches the program
  if (object_) bpf_object__close(object_);
}

Result<Ok> Program::addSocket(unsigned queue, int fd) {
  if (bpf_map_update_elem(sockets_map_, &queue, &fd, BPF_ANY) != 0)
    return Error{failure("cannot register the AF_XDP socket of queue " + std::to_string(queue), errno)};
  return Ok{};
}

}  // namespace gtm::dns::server::xdp
