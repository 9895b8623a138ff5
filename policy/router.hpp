// The decision path: which endpoints answer a query for a profile, given the
// health table and what is known of the client. Azure Traffic Manager's
// routing methods, with its fail-open default. No allocation, no lock.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "policy/health.hpp"
#include "policy/profile.hpp"

namespace gtm::policy {

// The client as the decision sees it: the EDNS Client Subnet when the query
// had one, else the resolver's address at `prefix` /32 or /128.
struct ClientView {
  IpAddress address;      // bits past `prefix` are ignored
  uint8_t prefix = 0;     // how many bits of address are known
  bool from_ecs = false;
  uint64_t random = 0;    // a fresh random number for this query
  const GeoLookup* geo = nullptr;  // the GeoIP database, for geographic profiles
  // The answer a secondary holds for everybody (xfr/): with random 0, a
  // multivalue profile's first max_answers eligible endpoints; a
  // transferred weighted profile's every eligible one.
  bool for_secondaries = false;
};

inline constexpr size_t kMaxAnswerEndpoints = 10;
inline constexpr int kMaxNesting = 10;

struct Decision {
  std::array<const Endpoint*, kMaxAnswerEndpoints> endpoints{};
  size_t count = 0;
  // The ECS scope prefix the answer holds for (RFC 7871): 0 unless the
  // client's subnet chose it.
  uint8_t scope_prefix = 0;
};

// Fills `out` with leaf endpoints (nested profiles resolved) whose addresses
// make the answer; count 0 means NODATA.
void decide(std::span<const Profile> profiles, size_t profile, const HealthTable& health, const ClientView& client,
            Decision& out);

// A weighted profile's weight of an endpoint now, in thousandths: its
// weight, times the real servers its gtm-lb checks report (weight_from =
// gtm-lb), or times that over its capacity (reals). Not reported yet (no
// gtm-lb check, or no answer from it): its weight.
[[nodiscard]] uint64_t effectiveWeight(const Profile& p, const Endpoint& e, const HealthTable& health);

// Whether an endpoint counts as available: not Degraded or Full, and for a nested
// profile, enough of its child's endpoints available.
[[nodiscard]] bool available(std::span<const Profile> profiles, const Endpoint& e, const HealthTable& health,
                             int depth = 0);

}  // namespace gtm::policy
