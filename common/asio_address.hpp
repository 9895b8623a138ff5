// The one conversion between gtm's IpAddress and Boost.Asio's addresses.
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket
// reports IPv4 peers) comes back as the IPv4 address it carries.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <algorithm>

#include "common/ip_address.hpp"

namespace gtm {

[[nodiscard]] inline boost::asio::ip::address toAsio(const IpAddress& ip) {
  if (ip.family == IpAddress::Family::v4) {
    boost::asio::ip::address_v4::bytes_type b;
    std::copy_n(ip.bytes.begin(), 4, b.begin());
    return boost::asio::ip::address_v4(b);
  }
  boost::asio::ip::address_v6::bytes_type b;
  std::copy_n(ip.bytes.begin(), 16, b.begin());
  return boost::asio::ip::address_v6(b);
}

[[nodiscard]] inline IpAddress fromAsio(boost::asio::ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
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

}  // namespace gtm
