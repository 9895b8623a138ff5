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

// Each transferred zone's settings, and what its secondaries will hold.
std::string describeTransfers(const config::Config& cfg, const dns::Snapshot& snapshot) {
  std::string out;
  for (const config::Zone& z : cfg.zones) {
    if (!z.transfer) continue;
    const config::Transfer& x = *z.transfer;
    out += "transfer of " + z.origin + ": allow";
    for (const Subnet& s : x.allow) out += " " + s.toString();
    if (x.tsig.empty()) {
      out += "; unsigned (no tsig)";
    } else {
      for (const config::TsigKey& k : cfg.tsig_keys)
        if (k.name == x.tsig)
          out += std::string("; TSIG key ") + k.name + " (" +
                 (k.algorithm == config::TsigKey::Algorithm::hmac_sha256   ? "hmac-sha256"
                  : k.algorithm == config::TsigKey::Algorithm::hmac_sha384 ? "hmac-sha384"
                                                                           : "hmac-sha512") +
                 ", " + std::to_string(k.secret.size() * 8) + "-bit secret)";
    }
    out += "; notify";
    if (x.notify.empty()) out += " nobody (secondaries find changes at their SOA refresh)";
    for (const SocketAddress& a : x.notify) out += " " + a.toString();
    out += "; journal of " + std::to_string(x.journal) + " changes for IXFR\n";
    for (const policy::Profile& p : snapshot.profiles)
      if (p.transferred && p.fqdn.size() >= z.origin.size() &&
          p.fqdn.compare(p.fqdn.size() - z.origin.size(), z.origin.size(), z.origin) == 0)
        out += "  secondaries hold profile " + p.name + "'s " +
               (p.routing == policy::Routing::weighted     ? "every available endpoint (they rotate among them)"
                : p.routing == policy::Routing::multivalue ? "current answer set"
                                                           : "current answer") +
               "\n";
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
    if (snapshot) out += dns::describe(*snapshot) + describeTransfers(loaded.config, *snapshot);
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
