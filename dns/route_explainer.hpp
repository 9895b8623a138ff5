// Which endpoint a client at an address gets from a profile, and why, for
// `gtm route` ("198.18.1.7 is DE-BY (DE, EU; database network /24): DE-BY
// munich Degraded; EU amsterdam Online: answered 127.0.1.1"). The same
// decide() the packet path runs, with the snapshot's health.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/snapshot.hpp"

namespace gtm::dns {

struct RouteExplanation {
  std::vector<std::string> answers;  // addresses; empty: NODATA
  std::string why;
  uint8_t scope_prefix = 0;  // the ECS scope the answer would carry
};

// "ADDRESS" or "ADDRESS/PREFIX" (how much of the address the client says,
// an ECS source length; without one, all of it); nullopt when it is neither.
[[nodiscard]] std::optional<Subnet> parseClient(std::string_view text);

// nullopt when the snapshot has no profile of that name.
[[nodiscard]] std::optional<RouteExplanation> explainRoute(const Snapshot& snapshot, std::string_view profile,
                                                           const Subnet& client);

}  // namespace gtm::dns
