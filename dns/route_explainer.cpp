#include "dns/route_explainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

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

// Where the client is, its network in the latency table, and each site's
// measured time and distance, in the order performance routing ranks them.
std::string performanceWhy(const Snapshot& s, const policy::Profile& p, const IpAddress& masked, uint8_t prefix) {
  policy::GeoLocation at = s.geo ? s.geo->locate(masked) : policy::GeoLocation{};
  std::string out = masked.toString() + "/" + std::to_string(prefix) + " is ";
  if (at.has_point) {
    char where[64];
    std::snprintf(where, sizeof where, "at %.2f, %.2f", at.point.lat, at.point.lon);
    out += std::string(where) + " (" + policy::locationName(at) + ")";
  } else {
    out += at.found ? policy::locationName(at) + " without coordinates" : "in no network of the database";
  }
  out += ", database network /" + std::to_string(at.prefix);
  uint8_t matched = 0;
  std::span<const policy::LatencyTable::Rtt> rtts;
  if (p.latency) {
    rtts = p.latency->lookup(masked, prefix, matched);
    out += rtts.empty() ? "; not in the latency table"
                        : "; latency table network " + masked.masked(matched).toString() + "/" + std::to_string(matched);
  }
  struct Row {
    int group;
    double value;
    size_t index;
    std::string text;
  };
  std::vector<Row> rows;
  for (size_t i = 0; i < p.endpoints.size(); ++i) {
    const policy::Endpoint& e = p.endpoints[i];
    Row row{2, 0, i, e.name};
    char buf[64];
    for (const auto& r : rtts)
      if (r.endpoint == i) {
        std::snprintf(buf, sizeof buf, " rtt %.1f ms", static_cast<double>(r.ms));
        row.group = 0, row.value = r.ms, row.text += buf;
      }
    if (at.has_point && e.has_location) {
      double km = policy::greatCircleKm(at.vector, e.location_vector);
      if (row.group == 2) row.group = 1, row.value = km;
      row.text += " " + std::to_string(static_cast<long long>(std::llround(km))) + " km";
    }
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.group, a.value, a.index) < std::tie(b.group, b.value, b.index);
  });
  if (!at.has_point && rtts.empty()) out += ": the endpoints in priority order";
  for (const Row& r : rows) out += "; " + r.text + " " + stateOf(s, p.endpoints[r.index]);
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
