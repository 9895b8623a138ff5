// Stable small numbers for zones and endpoints, by name, for the per-thread
// counters of the packet path: a name keeps its number across reloads, so
// counters keep counting the same thing. Numbers are handed out when a
// snapshot is built and looked up by the metrics endpoint; never per query.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gtm::dns {

enum class StatKind { zone, endpoint };

inline constexpr uint32_t kMaxStatZones = 256;
inline constexpr uint32_t kMaxStatEndpoints = 4096;
inline constexpr uint32_t kNoStat = UINT32_MAX;  // past the limit: not counted

// The number of `name` ("vpn.example.com." or "aovpn/east"), kNoStat past the limit.
[[nodiscard]] uint32_t statId(StatKind kind, const std::string& name);
// Every name that has a number, indexed by it.
[[nodiscard]] std::vector<std::string> statNames(StatKind kind);

}  // namespace gtm::dns
