// IPv4/IPv6 addresses and "address:port" pairs as written in the config
// ("127.0.0.1:5353", "[::1]:5353").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gtm {

struct IpAddress {
  enum class Family : uint8_t { v4, v6 };
  Family family = Family::v4;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4

  [[nodiscard]] static std::optional<IpAddress> parse(std::string_view text);
  [[nodiscard]] std::string toString() const;
  [[nodiscard]] std::span<const uint8_t> span() const {
    return {bytes.data(), family == Family::v4 ? 4u : 16u};
  }
  [[nodiscard]] bool isUnspecified() const;
  // The address with every bit past the first `prefix` cleared.
  [[nodiscard]] IpAddress masked(unsigned prefix) const;
  bool operator==(const IpAddress&) const = default;
};

// An address prefix ("198.18.0.0/15"); the bits past the prefix are zero.
struct Subnet {
  IpAddress address;
  uint8_t prefix = 0;

  // "address/length"; host bits are cleared.
  [[nodiscard]] static std::optional<Subnet> parse(std::string_view text);
  [[nodiscard]] bool contains(const IpAddress& a) const;
  [[nodiscard]] std::string toString() const;
  bool operator==(const Subnet&) const = default;
};

struct SocketAddress {
  IpAddress ip;
  uint16_t port = 0;

  // Accepts "a.b.c.d:port", "[v6]:port", and without a port uses default_port.
  [[nodiscard]] static Result<SocketAddress> parse(std::string_view text, uint16_t default_port);
  [[nodiscard]] std::string toString() const;
  bool operator==(const SocketAddress&) const = default;
};

}  // namespace gtm
