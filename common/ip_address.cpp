#include "common/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace gtm {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::copy(text.begin(), text.end(), buf);
  buf[text.size()] = '\0';
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = Family::v4;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.family = Family::v6;
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == Family::v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpAddress::isUnspecified() const {
  auto s = span();
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

IpAddress IpAddress::masked(unsigned prefix) const {
  IpAddress out = *this;
  const unsigned max = family == Family::v4 ? 32 : 128;
  for (unsigned bit = prefix; bit < max; ++bit) out.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  return out;
}

std::optional<Subnet> Subnet::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  std::string_view len = text.substr(slash + 1);
  unsigned prefix = 0;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
  if (len.empty() || len.size() > 3 || ec != std::errc{} || end != len.data() + len.size()) return std::nullopt;
  unsigned max = ip->family == IpAddress::Family::v4 ? 32 : 128;
  if (prefix > max) return std::nullopt;
  return Subnet{ip->masked(prefix), static_cast<uint8_t>(prefix)};
}

bool Subnet::contains(const IpAddress& a) const {
  if (a.family != address.family) return false;
  for (unsigned bit = 0; bit < prefix; bit += 8) {
    unsigned bits = prefix - bit >= 8 ? 8 : prefix - bit;
    auto mask = static_cast<uint8_t>(0xFF << (8 - bits));
    if ((a.bytes[bit / 8] & mask) != address.bytes[bit / 8]) return false;
  }
  return true;
}

std::string Subnet::toString() const { return address.toString() + "/" + std::to_string(prefix); }

Result<SocketAddress> SocketAddress::parse(std::string_view text, uint16_t default_port) {
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return Error{"missing ']' in \"" + std::string(text) + "\""};
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error{"expected ':port' after ']' in \"" + std::string(text) + "\""};
      port = rest.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    auto colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return Error{"\"" + std::string(host) + "\" is not an IPv4 or IPv6 address"};
  SocketAddress sa{*ip, default_port};
  if (!port.empty() || (text.size() && text.back() == ':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      return Error{"\"" + std::string(port) + "\" is not a port number (1-65535)"};
    sa.port = static_cast<uint16_t>(value);
  }
  return sa;
}

std::string SocketAddress::toString() const {
  if (ip.family == IpAddress::Family::v6) return "[" + ip.toString() + "]:" + std::to_string(port);
  return ip.toString() + ":" + std::to_string(port);
}

}  // namespace gtm
