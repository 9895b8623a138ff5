// latency_table = "FILE" on a performance profile: measured round-trip
// times from client networks to sites (exported from RRAS connection logs
// or a user-measurement tool), one CSV line each,
//
//   # prefix,endpoint,rtt_ms
//   198.51.100.0/24,amsterdam,18.5
//
// looked up by longest prefix for the client; the sites with a time for
// that network rank before those without (which rank by distance). Read
// whole at load: a bad line refuses the table (and the config), with its
// file:line, so the table in use stays. The lookup allocates nothing and
// takes no lock.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace gtm::policy {

class LatencyTable {
 public:
  static constexpr size_t kMaxLines = 1'000'000;

  struct Rtt {
    uint32_t endpoint = 0;  // index into the profile's endpoints
    float ms = 0;
  };

  // `endpoints`: the profile's endpoint names, in its order. Errors read
  // "FILE:LINE: what is wrong".
  [[nodiscard]] static Result<std::shared_ptr<const LatencyTable>> parse(std::istream& in, const std::string& file,
                                                                         std::span<const std::string> endpoints);

  // The times measured for the longest listed network that holds the
  // client's first `prefix` bits (empty: none), and that network's length.
  [[nodiscard]] std::span<const Rtt> lookup(const IpAddress& client, uint8_t prefix, uint8_t& matched) const;

  [[nodiscard]] size_t networks() const { return networks_; }
  [[nodiscard]] size_t lines() const { return rtts_.size(); }

 private:
  struct Network {
    std::array<uint8_t, 16> bytes{};  // masked to the level's prefix
    uint32_t first = 0, count = 0;    // its times in rtts_
    bool operator<(const Network& o) const { return bytes < o.bytes; }
  };
  // The networks of one family and prefix length, sorted.
  struct Level {
    IpAddress::Family family;
    uint8_t prefix;
    std::vector<Network> networks;
  };
  std::vector<Level> levels_;  // longest prefix first
  std::vector<Rtt> rtts_;
  size_t networks_ = 0;
};

}  // namespace gtm::policy
