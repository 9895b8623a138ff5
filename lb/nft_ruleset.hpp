// The nftables ruleset gtm lb owns, as nft script text: one inet table, a
// DNAT rule per service that maps jhash(client address) mod M through the
// service's Maglev table to a real server (destination NAT only: the client
// address reaches the real server unchanged), and, for a service without a
// healthy real server, a rule that rejects its new packets with a reason and
// a counter. The script replaces the table in one transaction.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"

namespace gtm::lb {

struct ServiceRules {
  std::string name;
  IpAddress vip;
  bool udp = true;
  std::vector<uint16_t> ports;
  std::vector<IpAddress> slots;  // the Maglev table; empty: no healthy real server
};

// The seed of jhash: fixed, so that a restarted gtm lb hashes as before.
inline constexpr uint32_t kHashSeed = 0x67746d31;  // "gtm1"

[[nodiscard]] std::string renderRuleset(const std::string& table, std::span<const ServiceRules> services);

// Removes the table if it exists.
[[nodiscard]] std::string renderDelete(const std::string& table);

}  // namespace gtm::lb
