#include "dns/server/listen_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/sockaddr.hpp"

namespace gtm::dns::server {
namespace {

constexpr int kUdpSocketBuffer = 4 << 20;
// The largest DNS payload that fits a 1280-byte IPv6 minimum MTU path,
// so over IPv4 any path a resolver can use (RFC 9715 section 3.2).
constexpr uint16_t kNeverFragmentedPayload = 1232;

void setInt(int fd, int level, int name, int value) { ::setsockopt(fd, level, name, &value, sizeof value); }

}  // namespace

Result<int> openListenSocket(const SocketAddress& at, Transport transport, uint16_t max_udp_payload) {
  const bool v6 = at.ip.family == IpAddress::Family::v6;
  const bool udp = transport == Transport::udp;
  const std::string where = at.toString() + (udp ? "/udp" : "/tcp");
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"cannot open a socket for " + where + ": " + std::strerror(errno)};
  auto fail = [&](const char* what) {
    Error e{std::string("cannot ") + what + " " + where + ": " + std::strerror(errno)};
    ::close(fd);
    return e;
  };
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) return fail("set SO_REUSEPORT on");
  if (!udp) setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (v6) setInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  if (udp) {
    // Room for bursts: a default-sized buffer drops queries long before the
    // thread is busy. FORCE passes net.core.rmem_max where we may (root or
    // CAP_NET_ADMIN); otherwise the kernel caps the plain request.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kUdpSocketBuffer, sizeof kUdpSocketBuffer) != 0)
      setInt(fd, SOL_SOCKET, SO_RCVBUF, kUdpSocketBuffer);
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kUdpSocketBuffer, sizeof kUdpSocketBuffer) != 0)
      setInt(fd, SOL_SOCKET, SO_SNDBUF, kUdpSocketBuffer);
    // Answers that fit any path (RFC 9715) go with DF set and are never
    // fragmented; the kernel then also skips picking an IP ID per packet.
    if (!v6 && max_udp_payload <= kNeverFragmentedPayload) setInt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE);
    if (at.ip.isUnspecified()) {
      // Bound to a wildcard: learn each query's destination so that the
      // answer leaves from the address the client asked.
      if (v6)
        setInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
      else
        setInt(fd, IPPROTO_IP, IP_PKTINFO, 1);
    }
  }
  sockaddr_storage ss;
  socklen_t len = toSockaddr(at, ss);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return fail("listen on");
  if (!udp && ::listen(fd, SOMAXCONN) != 0) return fail("listen on");
  return fd;
}

}  // namespace gtm::dns::server
