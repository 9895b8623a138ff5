#include "dns/route_explainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dns/query.hpp"
#include "policy/router.hpp"

namespace gtm::dns {
namespace {

std::string stateOf(const Snapshot& s, const policy::Endpoint& e) {
  if (!e.enabled || s.health->adminDisabled(e.health_slot)) return "Disabled";
  if (e.child >= 0)
    return policy::available(s.profiles, e, *s.health) ? "available (nested)" : "not available (nested)";
  return std::string(policy::healthName(s.health->get(e.health_slot)));
}

// Where the client is, and each region level that holds it with the
// endpoint mapped there, most specific first.
std::string geographicWhy(const Snapshot& s, const policy::Profile& p, const IpAddress& masked, uint8_t prefix) {
  policy::GeoLocation at = s.geo ? s.geo->locate(masked) : policy::GeoLocation{};
  std::string out = masked.toString() + "/" + std::to_string(prefix) + " is " +
                    (at.found ? policy::locationName(at) : "in no network of the database") + ", database network /" +
                    std::to_string(at.prefix);
  using L = policy::Region::Level;
  for (L level : {L::subdivision, L::country, L::continent, L::world})
    for (const policy::Endpoint& e : p.endpoints)
      for (const policy::Region& r : e.regions)
        if (r.level == level && policy::holds(r, at))
          out += "; " + policy::regionName(r) + " -> " + e.name + " " + stateOf(s, e);
  for (const policy::Endpoint& e : p.endpoints)
    if (e.geo_fallback) out += "; fallback -> " + e.name + " " + stateOf(s, e);
  return out;
}

// Where the client is and each site's distance from it, nearest first.
std::string performanceWhy(const Snapshot& s, const policy::Profile& p, const IpAddress& masked, uint8_t prefix) {
  policy::GeoLocation at = s.geo ? s.geo->locate(masked) : policy::GeoLocation{};
  std::string out = masked.toString() + "/" + std::to_string(prefix) + " is ";
  if (!at.has_point) {
    out += std::string(at.found ? policy::locationName(at) + " without coordinates" : "in no network of the database") +
           ", database network /" + std::to_string(at.prefix) + ": the endpoints in priority order";
    for (const policy::Endpoint& e : p.endpoints) out += "; " + e.name + " " + stateOf(s, e);
    return out;
  }
  char where[64];
  std::snprintf(where, sizeof where, "at %.2f, %.2f", at.point.lat, at.point.lon);
  out += std::string(where) + " (" + policy::locationName(at) + "), database network /" + std::to_string(at.prefix);
  std::vector<std::pair<double, const policy::Endpoint*>> sites;
  for (const policy::Endpoint& e : p.endpoints)
    if (e.has_location) sites.emplace_back(policy::greatCircleKm(at.point, e.location), &e);
  std::stable_sort(sites.begin(), sites.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [km, e] : sites)
    out += "; " + e->name + " " + std::to_string(static_cast<long long>(std::llround(km))) + " km " + stateOf(s, *e);
  return out;
}

}  // namespace

std::optional<Subnet> parseClient(std::string_view text) {
  if (text.find('/') != std::string_view::npos) return Subnet::parse(text);
  auto address = IpAddress::parse(text);
  if (!address) return std::nullopt;
  return Subnet{*address, static_cast<uint8_t>(address->family == IpAddress::Family::v4 ? 32 : 128)};
}

std::optional<RouteExplanation> explainRoute(const Snapshot& snapshot, std::string_view name, const Subnet& at) {
  size_t profile = 0;
  while (profile < snapshot.profiles.size() && snapshot.profiles[profile].name != name) ++profile;
  if (profile == snapshot.profiles.size()) return std::nullopt;
  const IpAddress& address = at.address;
  const uint8_t prefix = at.prefix;
  RouteExplanation out;
  policy::ClientView client;
  client.address = address;
  client.prefix = prefix;
  client.from_ecs = true;
  client.geo = snapshot.geo.get();
  policy::Decision d;
  policy::decide(snapshot.profiles, profile, *snapshot.health, client, d);
  out.scope_prefix = ecsScope(d.scope_prefix, prefix);
  std::string chosen;
  for (size_t i = 0; i < d.count; ++i) {
    chosen += (chosen.empty() ? "" : ", ") + d.endpoints[i]->name;
    for (const auto* list : {&d.endpoints[i]->v4, &d.endpoints[i]->v6})
      for (const IpAddress& ip : *list) out.answers.push_back(ip.toString());
  }
  const policy::Profile& p = snapshot.profiles[profile];
  const IpAddress masked = address.masked(prefix);
  out.why = p.routing == policy::Routing::geographic    ? geographicWhy(snapshot, p, masked, prefix)
            : p.routing == policy::Routing::performance ? performanceWhy(snapshot, p, masked, prefix)
                                                        : std::string("routing = ") + policy::routingName(p.routing);
  // Nested profiles with nothing for this client are passed over: say so.
  for (const policy::Endpoint& e : p.endpoints) {
    if (e.child < 0) continue;
    policy::Decision nested;
    policy::decide(snapshot.profiles, static_cast<size_t>(e.child), *snapshot.health, client, nested);
    if (nested.count == 0) out.why += "; " + e.name + " has no answer for this client";
  }
  out.why += chosen.empty() ? ": NODATA" : ": answered by " + chosen;
  return out;
}

}  // namespace gtm::dns
