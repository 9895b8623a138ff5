#include "dns/profile_compiler.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/small_file.hpp"
#include "dns/name.hpp"
#include "dns/stat_ids.hpp"
#include "dns/wire.hpp"
#include "policy/router.hpp"

namespace gtm::dns {
namespace {

// 1,000,000 lines of "2001:db8:1234:5678::/64,endpoint-name,123.45".
constexpr size_t kMaxLatencyTableBytes = 128u << 20;

using config::Diagnostics;

policy::Routing routingOf(config::Profile::Routing r) {
  using R = config::Profile::Routing;
  switch (r) {
    case R::priority: return policy::Routing::priority;
    case R::weighted: return policy::Routing::weighted;
    case R::multivalue: return policy::Routing::multivalue;
    case R::subnet: return policy::Routing::subnet;
    case R::geographic: return policy::Routing::geographic;
    case R::performance: return policy::Routing::performance;
  }
  return policy::Routing::priority;
}

// Binds the profile's name into its zone as a node answered by the profile.
void bindName(const config::Profile& pc, int index, Snapshot& snap, Diagnostics& diag, std::string& fqdn_text) {
  auto fqdn = toWireName(pc.fqdn, {});
  if (!fqdn) return diag.error(pc.fqdn_where, "[[profile]] fqdn: " + fqdn.error());
  if (hasWildcardLabel(*fqdn))
    return diag.error(pc.fqdn_where, "[[profile]] fqdn " + toText(*fqdn) + ": wildcards (a \"*\" label) are not supported");
  fqdn_text = toText(*fqdn);
  const Zone* found = snap.findZone(*fqdn);
  if (!found) return diag.error(pc.fqdn_where, "[[profile]] fqdn " + fqdn_text + " lies in no [[zone]]");
  Zone& zone = const_cast<Zone&>(*found);
  Node& node = zone.nodes[*fqdn];
  if (node.profile >= 0) diag.error(pc.fqdn_where, "two profiles answer for " + fqdn_text);
  for (uint16_t t : {type::A, type::AAAA, type::CNAME})
    if (node.find(t))
      diag.error(pc.fqdn_where, "the profile's fqdn " + fqdn_text + " also has static A, AAAA or CNAME records");
  node.profile = index;
  for (std::string_view p = parentOf(*fqdn); p.size() > zone.apex.size(); p = parentOf(p))
    zone.nodes.try_emplace(std::string(p));
}

// Rejects loops and chains deeper than the decision path follows.
void checkNesting(const config::Config& cfg, const Snapshot& snap, Diagnostics& diag) {
  std::function<int(size_t, std::vector<size_t>&)> depth = [&](size_t p, std::vector<size_t>& path) -> int {
    if (std::find(path.begin(), path.end(), p) != path.end()) return -1;
    path.push_back(p);
    int deepest = 1;
    for (const policy::Endpoint& e : snap.profiles[p].endpoints) {
      if (e.child < 0) continue;
      int d = depth(static_cast<size_t>(e.child), path);
      if (d < 0) return -1;
      deepest = std::max(deepest, d + 1);
    }
    path.pop_back();
    return deepest;
  };
  for (size_t i = 0; i < snap.profiles.size(); ++i) {
    std::vector<size_t> path;
    int d = depth(i, path);
    if (d < 0)
      diag.error(cfg.profiles[i].where, "profile \"" + cfg.profiles[i].name + "\" nests itself (a loop of profiles)");
    else if (d > policy::kMaxNesting)
      diag.error(cfg.profiles[i].where, "profile \"" + cfg.profiles[i].name + "\" nests more than " +
                                            std::to_string(policy::kMaxNesting) + " levels deep");
  }
}

}  // namespace

void compileMonitors(const config::Config& cfg, Snapshot& snap, Diagnostics& diag) {
  std::set<std::string> names;
  for (const config::Monitor& m : cfg.monitors) {
    if (!names.insert(m.name).second) diag.error(m.where, "[[monitor]] name \"" + m.name + "\" is used twice");
    snap.monitors.push_back(m);
  }
}

void compileProfiles(const config::Config& cfg, Snapshot& snap, Diagnostics& diag) {
  std::map<std::string, int> index;
  for (const config::Profile& pc : cfg.profiles)
    if (!index.emplace(pc.name, static_cast<int>(index.size())).second)
      diag.error(pc.where, "[[profile]] name \"" + pc.name + "\" is used twice");
  if (index.size() != cfg.profiles.size()) return;

  size_t slots = 0;
  std::vector<policy::Health> initial;
  for (size_t pi = 0; pi < cfg.profiles.size(); ++pi) {
    const config::Profile& pc = cfg.profiles[pi];
    policy::Profile profile;
    profile.name = pc.name;
    bindName(pc, static_cast<int>(pi), snap, diag, profile.fqdn);
    profile.ttl = pc.ttl;
    profile.routing = routingOf(pc.routing);
    profile.affinity_subnet = pc.affinity_subnet;
    using W = config::Profile::WeightFrom;
    profile.weight_from = pc.weight_from == W::gtm_lb  ? policy::WeightFrom::gtm_lb
                          : pc.weight_from == W::reals ? policy::WeightFrom::reals
                                                       : policy::WeightFrom::none;
    profile.max_answers = pc.max_answers;
    profile.fail_closed = pc.fail_closed;
    profile.geo_nearest = pc.geo_nearest;
    const bool geographic = pc.routing == config::Profile::Routing::geographic;
    for (const std::string& name : pc.monitors) {
      auto it = std::find_if(snap.monitors.begin(), snap.monitors.end(),
                             [&](const config::Monitor& m) { return m.name == name; });
      if (it == snap.monitors.end())
        diag.error(pc.monitors_where, "[[profile]] monitors: there is no [[monitor]] named \"" + name + "\"");
      else
        profile.monitors.push_back(static_cast<size_t>(it - snap.monitors.begin()));
    }
    // weight_from reads the real servers a gtm-lb check reports.
    if (pc.weight_from != W::none &&
        std::none_of(profile.monitors.begin(), profile.monitors.end(), [&](size_t m) {
          return snap.monitors[m].protocol == config::Monitor::Protocol::gtm_lb;
        }))
      diag.error(pc.where, "profile \"" + pc.name + "\": weight_from needs a gtm-lb monitor in monitors (the "
                           "balancer whose real servers scale each weight)");
    size_t with_priority = 0;
    std::map<uint32_t, std::string> priorities;
    std::set<std::string> endpoint_names;
    std::map<std::string, std::string> subnet_owner, region_owner, answer_address;
    std::string fallback;
    for (size_t i = 0; i < pc.endpoints.size(); ++i) {
      const config::Endpoint& ec = pc.endpoints[i];
      if (!endpoint_names.insert(ec.name).second)
        diag.error(ec.where, "endpoint name \"" + ec.name + "\" is used twice in profile \"" + pc.name + "\"");
      if (ec.priority) {
        ++with_priority;
        auto [it, fresh] = priorities.emplace(ec.priority, ec.name);
        if (!fresh)
          diag.error(ec.where, "priority " + std::to_string(ec.priority) + " is already taken by endpoint \"" +
                                   it->second + "\"");
      }
      policy::Endpoint e;
      e.name = ec.name;
      e.priority = ec.priority ? ec.priority : static_cast<uint32_t>(i + 1);
      e.weight = ec.weight;
      e.capacity = ec.capacity;
      if (ec.capacity && pc.weight_from != W::reals)
        diag.error(ec.where, "capacity applies only to weight_from = \"reals\"");
      if (!ec.capacity && pc.weight_from == W::reals && ec.profile.empty())
        diag.error(ec.where, "endpoint \"" + ec.name + "\": weight_from = \"reals\" needs capacity = the real "
                             "servers it has at full strength");
      e.enabled = ec.enabled;
      e.always_serve = ec.always_serve;
      e.min_child_endpoints = ec.min_child_endpoints;
      if (!ec.profile.empty()) {
        auto child = index.find(ec.profile);
        if (child == index.end())
          diag.error(ec.where, "endpoint \"" + ec.name + "\": there is no [[profile]] named \"" + ec.profile + "\"");
        else
          e.child = child->second;
        if (pc.routing == config::Profile::Routing::multivalue)
          diag.error(ec.where, "a multivalue profile answers with addresses only, not nested profiles");
        if (ec.always_serve) diag.error(ec.where, "always_serve does not apply to a nested profile");
      }
      // An address twice in one answer is a duplicate RR (RFC 2181 5):
      // validators drop it and the RRSIG over the set fails.
      for (const IpAddress& ip : ec.targets) {
        auto [it, fresh] = answer_address.emplace(ip.toString(), ec.name);
        if (!fresh && (it->second == ec.name || pc.routing == config::Profile::Routing::multivalue))
          diag.error(ec.where, "address " + ip.toString() + (it->second == ec.name
                                                                  ? " is listed twice in endpoint \"" + ec.name + "\""
                                                                  : " is already endpoint \"" + it->second +
                                                                        "\"'s: a multivalue answer would carry it twice"));
        (ip.family == IpAddress::Family::v4 ? e.v4 : e.v6).push_back(ip);
      }
      e.probe_addresses = ec.monitor_targets.empty() ? ec.targets : ec.monitor_targets;
      for (const config::Subnet& s : ec.subnets) {
        std::string key = s.toString();
        auto [it, fresh] = subnet_owner.emplace(key, ec.name);
        if (!fresh) diag.error(ec.where, "subnet " + key + " is already mapped to endpoint \"" + it->second + "\"");
        e.subnets.push_back(s);
      }
      if (!ec.subnets.empty() && pc.routing != config::Profile::Routing::subnet)
        diag.error(ec.where, "subnets apply only to routing = \"subnet\"");
      for (const std::string& text : ec.regions) {
        auto region = policy::parseRegion(text);
        if (!region) {
          diag.error(ec.regions_where, "regions: \"" + text + "\" is not a continent (AF, AN, AS, EU, NA, OC, SA), "
                                       "an ISO 3166-1 country (\"DE\"), a subdivision (\"US-CA\") or WORLD");
          continue;
        }
        auto [it, fresh] = region_owner.emplace(policy::regionName(*region), ec.name);
        if (!fresh) diag.error(ec.regions_where, "region " + it->first + " is already mapped to endpoint \"" + it->second + "\"");
        e.regions.push_back(*region);
      }
      if (!ec.regions.empty() && !geographic) diag.error(ec.regions_where, "regions apply only to routing = \"geographic\"");
      if (ec.location) {
        e.has_location = true;
        e.location = {ec.location->lat, ec.location->lon};
        e.location_vector = policy::toVector(e.location);
        if (pc.routing != config::Profile::Routing::performance)
          diag.error(ec.where, "location applies only to routing = \"performance\"");
      } else if (pc.routing == config::Profile::Routing::performance) {
        diag.error(ec.where, "endpoint \"" + ec.name + "\": routing = \"performance\" needs location = { lat = ..., "
                             "lon = ... } (where the site is, in degrees)");
      }
      e.geo_fallback = ec.fallback;
      if (ec.fallback && !geographic) diag.error(ec.where, "fallback applies only to routing = \"geographic\"");
      if (ec.fallback && !fallback.empty())
        diag.error(ec.where, "endpoint \"" + fallback + "\" is already the fallback of profile \"" + pc.name + "\"");
      if (ec.fallback && fallback.empty()) fallback = ec.name;
      for (const config::Dependency& dc : ec.depends_on) {
        auto it = std::find_if(snap.monitors.begin(), snap.monitors.end(),
                               [&](const config::Monitor& m) { return m.name == dc.monitor; });
        if (it == snap.monitors.end())
          diag.error(dc.where, "depends_on: there is no [[monitor]] named \"" + dc.monitor + "\"");
        else
          e.depends_on.push_back({static_cast<size_t>(it - snap.monitors.begin()), dc.targets, dc.min_online});
        if (e.child >= 0 || ec.always_serve) diag.error(dc.where, "depends_on does not apply to a nested or always_serve endpoint");
      }
      e.health_slot = slots++;
      e.stat_id = statId(StatKind::endpoint, pc.name + "/" + ec.name);
      bool monitored = (!pc.monitors.empty() || !e.depends_on.empty()) && !ec.always_serve && e.child < 0;
      initial.push_back(monitored ? policy::Health::checking : policy::Health::unmonitored);
      profile.endpoints.push_back(std::move(e));
    }
    if (with_priority != 0 && with_priority != pc.endpoints.size())
      diag.error(pc.where, "profile \"" + pc.name + "\": give every endpoint a priority, or none (list order)");
    std::stable_sort(profile.endpoints.begin(), profile.endpoints.end(),
                     [](const policy::Endpoint& a, const policy::Endpoint& b) { return a.priority < b.priority; });
    if (!pc.latency_table.empty()) {
      // Read whole at each load: a bad line refuses the config, and the
      // table in use stays with the snapshot in use.
      std::vector<std::string> order;
      for (const policy::Endpoint& e : profile.endpoints) order.push_back(e.name);
      profile.latency_file = pc.latency_table;
      if (auto text = readSmallFile(pc.latency_table, kMaxLatencyTableBytes); !text) {
        diag.error(pc.latency_where, "latency_table: " + text.error());
      } else {
        std::istringstream in(std::move(*text));
        if (auto table = policy::LatencyTable::parse(in, pc.latency_table, order); !table)
          diag.error(pc.latency_where, "latency_table: " + table.error());
        else
          profile.latency = std::move(*table);
      }
    }
    snap.profiles.push_back(std::move(profile));
  }
  snap.health = std::make_shared<policy::HealthTable>(slots);
  for (size_t i = 0; i < slots; ++i) snap.health->set(i, initial[i]);
  if (diag.empty()) checkNesting(cfg, snap, diag);
}

}  // namespace gtm::dns
