// Which endpoint a client at an address gets from a profile, and why, for
// `gtm route` ("198.18.1.7 is DE-BY (DE, EU; database network /24): DE-BY
// munich Degraded; EU amsterdam Online: answered 127.0.1.1"). The same
// decide() the packet path runs, with the snapshot's health.
#pragma once

#include <string>
#include <vector>

#include "dns/snapshot.hpp"

namespace gtm::dns {

struct RouteExplanation {
  std::vector<std::string> answers;  // addresses; empty: NODATA
  std::string why;
  uint8_t scope_prefix = 0;  // the ECS scope the answer would carry
};

// `prefix`: how much of `address` the client says (an ECS source length).
[[nodiscard]] RouteExplanation explainRoute(const Snapshot& snapshot, size_t profile, const IpAddress& address,
                                            uint8_t prefix);

}  // namespace gtm::dns
