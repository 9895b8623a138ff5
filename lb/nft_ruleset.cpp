#include "lb/nft_ruleset.hpp"

#include <cstdio>

namespace gtm::lb {
namespace {

std::string ports(const std::vector<uint16_t>& p) {
  if (p.size() == 1) return std::to_string(p[0]);
  std::string out = "{ ";
  for (size_t i = 0; i < p.size(); ++i) out += (i ? ", " : "") + std::to_string(p[i]);
  return out + " }";
}

std::string match(const ServiceRules& s) {
  bool v6 = s.vip.family == IpAddress::Family::v6;
  return std::string(v6 ? "ip6" : "ip") + " daddr " + s.vip.toString() + " " + (s.udp ? "udp" : "tcp") +
         " dport " + ports(s.ports);
}

}  // namespace

std::string renderRuleset(const std::string& table, std::span<const ServiceRules> services) {
  char seed[16];
  std::snprintf(seed, sizeof seed, "0x%08x", kHashSeed);
  // Create (so that delete cannot fail), delete, and define anew: one
  // transaction, so packets see the old rules or the new, never a mix.
  std::string out = "table inet " + table + " {}\ndelete table inet " + table + "\ntable inet " + table + " {\n";
  out += "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n";
  for (const ServiceRules& s : services) {
    if (s.slots.empty()) continue;
    bool v6 = s.vip.family == IpAddress::Family::v6;
    out += "    " + match(s) + " counter dnat " + (v6 ? "ip6" : "ip") + " to jhash " + (v6 ? "ip6" : "ip") +
           " saddr mod " + std::to_string(s.slots.size()) + " seed " + seed + " map { ";
    for (size_t i = 0; i < s.slots.size(); ++i) {
      if (i) out += ", ";
      out += std::to_string(i) + " : " + s.slots[i].toString();
    }
    out += " } comment \"service " + s.name + "\"\n";
  }
  out += "  }\n  chain input {\n    type filter hook input priority filter; policy accept;\n";
  for (const ServiceRules& s : services) {
    if (!s.slots.empty()) continue;
    out += "    " + match(s) + " counter reject" + (s.udp ? "" : " with tcp reset") + " comment \"service " + s.name +
           ": no healthy real server\"\n";
  }
  out += "  }\n}\n";
  return out;
}

std::string renderDelete(const std::string& table) {
  return "table inet " + table + " {}\ndelete table inet " + table + "\n";
}

}  // namespace gtm::lb
