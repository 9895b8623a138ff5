// Socket set-up shared by the UDP and TCP listeners: one socket per thread
// on the same address through SO_REUSEPORT, IPv6 sockets IPv6-only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace gtm::dns::server {

[[nodiscard]] boost::asio::ip::address toAsio(const IpAddress& ip);
[[nodiscard]] IpAddress fromAsio(const boost::asio::ip::address& a);

[[nodiscard]] Result<Ok> openUdp(boost::asio::ip::udp::socket& s, const SocketAddress& at);
[[nodiscard]] Result<Ok> openTcp(boost::asio::ip::tcp::acceptor& a, const SocketAddress& at);

}  // namespace gtm::dns::server
