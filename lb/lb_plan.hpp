// A load-balancer config compiled for gtm lb: the services with their real
// servers, and the same shapes the monitor engine runs for gtm serve (one
// profile per service, one endpoint per real server), so that both share
// one health implementation.
#pragma once

#include <memory>
#include <vector>

#include "config/config.hpp"
#include "policy/health.hpp"
#include "policy/profile.hpp"

namespace gtm::lb {

struct LbPlan {
  std::string table;
  std::vector<config::Service> services;
  std::vector<config::Monitor> monitors;
  std::vector<policy::Profile> profiles;  // profiles[i] mirrors services[i]
  std::shared_ptr<policy::HealthTable> health;
  std::vector<std::vector<size_t>> slots;  // services[i].reals[j] -> health slot
};

// Checks names (services, real servers, monitors) and fills the plan; every
// problem goes to `diag` with its location.
[[nodiscard]] LbPlan compileLbPlan(const config::Config& cfg, config::Diagnostics& diag);

}  // namespace gtm::lb
