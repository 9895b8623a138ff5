#include "dns/server/socket_options.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <type_traits>

namespace gtm::dns::server {

namespace asio = boost::asio;

asio::ip::address toAsio(const IpAddress& ip) {
  if (ip.family == IpAddress::Family::v4) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(ip.bytes.begin(), 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(ip.bytes.begin(), 16, b.begin());
  return asio::ip::address_v6(b);
}

IpAddress fromAsio(const asio::ip::address& a) {
  IpAddress ip;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  } else {
    ip.family = IpAddress::Family::v6;
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  }
  return ip;
}

namespace {

constexpr int kUdpSocketBuffer = 4 << 20;

template <typename Socket>
Result<Ok> prepare(Socket& s, const SocketAddress& at, const char* proto) {
  boost::system::error_code ec;
  auto fail = [&](const char* what) {
    return Error{std::string("cannot ") + what + " " + at.toString() + "/" + proto + ": " + ec.message()};
  };
  bool v6 = at.ip.family == IpAddress::Family::v6;
  s.open(v6 ? Socket::protocol_type::v6() : Socket::protocol_type::v4(), ec);
  if (ec) return fail("open a socket for");
  int one = 1;
  if (::setsockopt(s.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    ec.assign(errno, boost::system::system_category());
    return fail("set SO_REUSEPORT on");
  }
  if (v6) s.set_option(asio::ip::v6_only(true), ec);
  if constexpr (std::is_same_v<Socket, asio::ip::tcp::acceptor>) s.set_option(asio::socket_base::reuse_address(true), ec);
  s.bind({toAsio(at.ip), at.port}, ec);
  if (ec) return fail("listen on");
  return Ok{};
}

}  // namespace

Result<Ok> openUdp(asio::ip::udp::socket& s, const SocketAddress& at) {
  auto r = prepare(s, at, "udp");
  if (!r) return r;
  // Room for bursts: a full default buffer drops queries long before the
  // thread is busy. FORCE passes net.core.rmem_max when we may (root or
  // CAP_NET_ADMIN); otherwise the kernel caps the plain request.
  int bytes = kUdpSocketBuffer;
  if (::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  if (::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  if (at.ip.isUnspecified()) {
    // Bound to a wildcard: learn each query's destination so that the answer
    // leaves from the address the client asked.
    int one = 1;
    if (at.ip.family == IpAddress::Family::v4)
      ::setsockopt(s.native_handle(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    else
      ::setsockopt(s.native_handle(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
  }
  return Ok{};
}

Result<Ok> openTcp(asio::ip::tcp::acceptor& a, const SocketAddress& at) {
  boost::system::error_code ec;
  auto r = prepare(a, at, "tcp");
  if (!r) return r;
  a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"cannot listen on " + at.toString() + "/tcp: " + ec.message()};
  return Ok{};
}

}  // namespace gtm::dns::server
