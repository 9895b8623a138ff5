// A traffic profile compiled for the decision path: endpoints with their
// answer addresses, weights, subnets and health slots, or a nested child
// profile. Immutable once built.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "policy/geo_region.hpp"
#include "policy/health.hpp"
#include "policy/latency_table.hpp"

namespace gtm::policy {

using gtm::Subnet;

// Other targets an endpoint needs (config::Dependency, the monitor resolved).
struct Dependency {
  size_t monitor = 0;  // index into the snapshot's monitors
  std::vector<IpAddress> targets;
  unsigned min_online = 1;
};

struct Endpoint {
  std::string name;
  uint32_t priority = 0;
  uint32_t weight = 1;
  bool enabled = true;
  bool always_serve = false;
  std::vector<IpAddress> v4;  // A answers
  std::vector<IpAddress> v6;  // AAAA answers
  std::vector<IpAddress> probe_addresses;  // where its monitors probe it
  std::vector<Subnet> subnets;             // routing = subnet; empty: the fallback
  std::vector<Region> regions;             // routing = geographic
  bool geo_fallback = false;               // geographic: answered when no mapped endpoint can be
  uint32_t capacity = 0;                   // weight_from = reals: real servers at full strength
  bool has_location = false;               // performance: where the site is
  GeoPoint location;
  GeoVector location_vector;  // of location, what the query path ranks by
  int child = -1;                          // index of a nested profile, or -1
  std::vector<Dependency> depends_on;
  unsigned min_child_endpoints = 1;
  size_t health_slot = 0;                  // its entry in the HealthTable
  uint32_t stat_id = UINT32_MAX;           // counters: answers with this endpoint
};

enum class Routing { priority, weighted, multivalue, subnet, geographic, performance };

// weighted: what scales an endpoint's weight (effectiveWeight in router.hpp).
enum class WeightFrom { none, gtm_lb, reals };

struct Profile {
  std::string name;
  std::string fqdn;  // presentation form, for logs and `gtm check`
  Routing routing = Routing::priority;
  bool affinity_subnet = false;
  WeightFrom weight_from = WeightFrom::none;
  unsigned max_answers = 2;
  bool fail_closed = false;
  // geographic: the next level of regions (country, continent, WORLD, the
  // fallback endpoint) when the mapped endpoint is not available; false:
  // the mapped endpoint whatever its health, as Traffic Manager does.
  bool geo_nearest = true;
  uint32_t ttl = 30;
  // In a zone that secondaries transfer: one answer for everybody, and a
  // weighted profile's is every available endpoint (the secondaries then
  // rotate among them).
  bool transferred = false;
  // performance: measured times by client network (latency_table); null without.
  std::shared_ptr<const LatencyTable> latency;
  std::string latency_file;
  std::vector<size_t> monitors;     // indices into the snapshot's monitors
  std::vector<Endpoint> endpoints;  // sorted by priority, lowest first
};

[[nodiscard]] constexpr const char* routingName(Routing r) {
  switch (r) {
    case Routing::priority: return "priority";
    case Routing::weighted: return "weighted";
    case Routing::multivalue: return "multivalue";
    case Routing::subnet: return "subnet";
    case Routing::geographic: return "geographic";
    case Routing::performance: return "performance";
  }
  return "?";
}

}  // namespace gtm::policy
