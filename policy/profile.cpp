#include "policy/profile.hpp"

namespace gtm::policy {

const Endpoint* chooseEndpoint(const Profile& profile, const HealthTable& health) {
  const Endpoint* first_enabled = nullptr;
  for (const Endpoint& e : profile.endpoints) {
    if (!e.enabled) continue;
    if (!first_enabled) first_enabled = &e;
    if (health.get(e.health_slot) != Health::degraded) return &e;
  }
  return first_enabled;
}

}  // namespace gtm::policy
