// SocketAddress to and from the C socket API's sockaddr_storage, for the
// code that calls bind, sendto and recvmmsg itself.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "common/ip_address.hpp"

namespace gtm {

// Fills `ss`; returns the length to pass with it.
inline socklen_t toSockaddr(const SocketAddress& a, sockaddr_storage& ss) {
  ss = {};
  if (a.ip.family == IpAddress::Family::v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a.port);
    std::memcpy(&s6->sin6_addr, a.ip.bytes.data(), 16);
    return sizeof *s6;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(a.port);
  std::memcpy(&s4->sin_addr, a.ip.bytes.data(), 4);
  return sizeof *s4;
}

// An AF_INET or AF_INET6 address (anything not AF_INET is read as AF_INET6:
// the sockets these come from are of those two families).
inline SocketAddress fromSockaddr(const sockaddr_storage& ss) {
  SocketAddress a;
  if (ss.ss_family == AF_INET) {
    const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    std::memcpy(a.ip.bytes.data(), &s4.sin_addr, 4);
    a.port = ntohs(s4.sin_port);
  } else {
    const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
    a.ip.family = IpAddress::Family::v6;
    std::memcpy(a.ip.bytes.data(), &s6.sin6_addr, 16);
    a.port = ntohs(s6.sin6_port);
  }
  return a;
}

}  // namespace gtm
