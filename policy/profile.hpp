// A traffic profile compiled for the decision path: endpoints in priority
// order with their answer addresses. Immutable once built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "policy/health.hpp"

namespace gtm::policy {

struct Endpoint {
  std::string name;
  uint32_t priority = 0;
  bool enabled = true;
  std::vector<IpAddress> v4;  // A answers
  std::vector<IpAddress> v6;  // AAAA answers
  std::vector<IpAddress> probe_addresses;  // where its monitors probe it
  size_t health_slot = 0;                  // its entry in the HealthTable
};

enum class Routing { priority };

struct Profile {
  std::string name;
  std::string fqdn;  // presentation form, for logs and `gtm check`
  Routing routing = Routing::priority;
  uint32_t ttl = 30;
  std::vector<size_t> monitors;     // indices into the snapshot's monitors
  std::vector<Endpoint> endpoints;  // sorted by priority, lowest first
};

// The endpoint a query for this profile is answered with: the first enabled
// endpoint that is not Degraded; when every enabled endpoint is Degraded,
// the first enabled one (fail-open, as Traffic Manager); nullptr when every
// endpoint is disabled.
[[nodiscard]] const Endpoint* chooseEndpoint(const Profile& profile, const HealthTable& health);

}  // namespace gtm::policy
