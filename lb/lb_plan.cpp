#include "lb/lb_plan.hpp"

#include <algorithm>
#include <set>

namespace gtm::lb {

LbPlan compileLbPlan(const config::Config& cfg, config::Diagnostics& diag) {
  LbPlan plan;
  plan.table = cfg.lb.table;
  plan.services = cfg.services;
  plan.monitors = cfg.monitors;
  std::set<std::string> service_names, monitor_names;
  for (const config::Monitor& m : cfg.monitors)
    if (!monitor_names.insert(m.name).second) diag.error(m.where, "[[monitor]] name \"" + m.name + "\" is used twice");
  size_t slot = 0;
  std::vector<policy::Health> initial;
  for (const config::Service& s : cfg.services) {
    if (!service_names.insert(s.name).second) diag.error(s.where, "[[service]] name \"" + s.name + "\" is used twice");
    policy::Profile p;
    p.name = s.name;
    for (const std::string& name : s.monitors) {
      auto it = std::find_if(cfg.monitors.begin(), cfg.monitors.end(),
                             [&](const config::Monitor& m) { return m.name == name; });
      if (it == cfg.monitors.end())
        diag.error(s.monitors_where, "[[service]] monitors: there is no [[monitor]] named \"" + name + "\"");
      else
        p.monitors.push_back(static_cast<size_t>(it - cfg.monitors.begin()));
    }
    std::set<std::string> real_names, addresses;
    std::vector<size_t> slots;
    for (const config::RealServer& r : s.reals) {
      if (!real_names.insert(r.name).second) diag.error(r.where, "real server name \"" + r.name + "\" is used twice");
      if (!addresses.insert(r.address.toString()).second)
        diag.error(r.where, "real server address " + r.address.toString() + " is used twice in the service");
      policy::Endpoint e;
      e.name = r.name;
      e.probe_addresses = {r.address};
      for (const config::Dependency& d : r.depends_on) {
        auto it = std::find_if(cfg.monitors.begin(), cfg.monitors.end(),
                               [&](const config::Monitor& m) { return m.name == d.monitor; });
        if (it == cfg.monitors.end())
          diag.error(d.where, "depends_on: there is no [[monitor]] named \"" + d.monitor + "\"");
        else
          e.depends_on.push_back({static_cast<size_t>(it - cfg.monitors.begin()), d.targets, d.min_online});
      }
      e.health_slot = slot;
      slots.push_back(slot++);
      initial.push_back(s.monitors.empty() && e.depends_on.empty() ? policy::Health::unmonitored
                                                                   : policy::Health::checking);
      p.endpoints.push_back(std::move(e));
    }
    plan.slots.push_back(std::move(slots));
    plan.profiles.push_back(std::move(p));
  }
  // Two services on one VIP, protocol and port would fight over packets.
  std::set<std::string> bindings;
  for (const config::Service& s : cfg.services)
    for (uint16_t port : s.ports) {
      std::string key = s.vip.toString() + (s.protocol == config::Service::Protocol::udp ? "/udp/" : "/tcp/") +
                        std::to_string(port);
      if (!bindings.insert(key).second) diag.error(s.where, "another service already balances " + key);
    }
  plan.health = std::make_shared<policy::HealthTable>(slot);
  for (size_t i = 0; i < slot; ++i) plan.health->set(i, initial[i]);
  return plan;
}

}  // namespace gtm::lb
