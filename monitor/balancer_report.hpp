// What the gtm-lb monitor makes of a gtm lb's status document
// (GET /api/v1/status): whether the services it watches have enough real
// servers taking new clients, and a reason that carries the balancer's own
// counts and why each missing real server is out. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"

namespace gtm::monitor {

struct BalancerVerdict {
  bool up = false;
  bool full = false;  // short only of real servers that are Full (RRAS out of ports)
  // Real servers taking new clients, the fewest of the watched services
  // (what weight_from = "gtm-lb" scales a site's weight by).
  unsigned reals_online = 0;
  std::string reason;
};

// `services` names the services to watch; empty: those whose VIP is `vip`.
// A real server takes new clients while its state is Online, Unmonitored
// or CheckingEndpoint (the balancer sends it clients until its first probe
// says otherwise); Degraded, Full, Drained and Disabled ones do not.
[[nodiscard]] BalancerVerdict judgeBalancer(std::string_view status_json, const std::vector<std::string>& services,
                                            const IpAddress& vip, unsigned min_reals);

}  // namespace gtm::monitor
