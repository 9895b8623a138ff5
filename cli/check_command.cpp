// gtm check --config FILE: validate and list what would be served (zones,
// profiles) or balanced (services), with the same code gtm serve and gtm lb
// run.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "config/config_loader.hpp"
#include "dns/snapshot_builder.hpp"
#include "dns/snapshot_printer.hpp"
#include "lb/lb_plan.hpp"
#include "lb/maglev_table.hpp"

namespace gtm::cli {
namespace {

std::string describeServices(const lb::LbPlan& plan) {
  std::string out;
  for (const config::Service& s : plan.services) {
    uint64_t weight = 0;
    for (const auto& r : s.reals) weight += r.weight;
    out += "service " + s.name + ": " + s.vip.toString() +
           (s.protocol == config::Service::Protocol::udp ? " udp" : " tcp") + " ports";
    for (uint16_t p : s.ports) out += " " + std::to_string(p);
    out += ", Maglev table " + std::to_string(lb::maglevTableSize(weight)) + " slots, nftables table " + plan.table +
           "\n";
    for (const auto& r : s.reals)
      out += "  real " + r.name + " " + r.address.toString() + " weight=" + std::to_string(r.weight) +
             (r.drain ? " (drain)" : "") + "\n";
  }
  return out;
}

}  // namespace

int checkCommand(const Args& args) {
  std::string path, error;
  if (!configPathFrom(args, path, error)) {
    std::cerr << "gtm check: " << error << "\n";
    return 2;
  }
  auto loaded = config::loadFile(path);
  std::string out;
  if (loaded.ok() && (!loaded.config.zones.empty() || !loaded.config.profiles.empty())) {
    dns::SerialClock serials;
    auto snapshot = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
    if (snapshot) out += dns::describe(*snapshot);
  }
  if (loaded.ok() && !loaded.config.services.empty()) {
    auto plan = lb::compileLbPlan(loaded.config, loaded.diagnostics);
    if (loaded.ok()) out += describeServices(plan);
  }
  if (!loaded.ok()) {
    std::cerr << loaded.diagnostics.format();
    return 1;
  }
  std::cout << out << path << ": ok\n";
  return 0;
}

}  // namespace gtm::cli
