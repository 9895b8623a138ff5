// A traffic profile compiled for the decision path: endpoints in priority
// order with their answer addresses. Immutable once built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"

namespace gtm::policy {

struct Endpoint {
  std::string name;
  uint32_t priority = 0;
  bool enabled = true;
  std::vector<IpAddress> v4;  // A answers
  std::vector<IpAddress> v6;  // AAAA answers
};

enum class Routing { priority };

struct Profile {
  std::string name;
  std::string fqdn;  // presentation form, for logs and `gtm check`
  Routing routing = Routing::priority;
  uint32_t ttl = 30;
  std::vector<Endpoint> endpoints;  // sorted by priority, lowest first
};

// The endpoint a query for this profile is answered with, or nullptr when
// none can be (every endpoint disabled).
[[nodiscard]] const Endpoint* chooseEndpoint(const Profile& profile);

}  // namespace gtm::policy
