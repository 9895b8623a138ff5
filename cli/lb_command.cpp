// gtm lb --config FILE [--dry-run] [--keep-rules]: the per-site layer-4
// balancer. Programs the kernel (nftables DNAT with Maglev tables), keeps
// the tables in step with the real servers' health, and removes its table on
// exit unless --keep-rules. --dry-run prints the ruleset and changes nothing.
#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "common/log.hpp"
#include "config/config_loader.hpp"
#include "lb/balancer.hpp"
#include "lb/lb_plan.hpp"

namespace gtm::cli {

int lbCommand(const Args& args) {
  std::string path;
  bool dry_run = false, keep_rules = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dry-run") {
      dry_run = true;
    } else if (args[i] == "--keep-rules") {
      keep_rules = true;
    } else if ((args[i] == "--config" || args[i] == "-c") && i + 1 < args.size()) {
      path = args[++i];
    } else {
      std::cerr << "gtm lb: unknown argument \"" << args[i] << "\"\n"
                << "usage: gtm lb --config FILE [--dry-run] [--keep-rules]\n";
      return 2;
    }
  }
  if (path.empty()) {
    std::cerr << "gtm lb: --config FILE is required\n";
    return 2;
  }
  auto loaded = config::loadFile(path);
  lb::LbPlan plan;
  if (loaded.ok()) plan = lb::compileLbPlan(loaded.config, loaded.diagnostics);
  if (loaded.ok() && loaded.config.services.empty())
    loaded.diagnostics.error({1, 1}, "gtm lb needs at least one [[service]]");
  if (!loaded.ok()) {
    std::cerr << loaded.diagnostics.format();
    return 1;
  }
  lb::Balancer balancer(std::move(plan));
  if (dry_run) {
    std::cout << balancer.ruleset();
    return 0;
  }
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (auto r = balancer.start(); !r) {
    log::error("gtm lb cannot start", {{"error", r.error()}});
    balancer.stop(keep_rules);
    return 1;
  }
  log::info("balancing", {{"config", path}});
  int sig = 0;
  sigwait(&signals, &sig);
  log::info("stopping", {{"signal", sig == SIGINT ? "INT" : "TERM"}, {"keep_rules", keep_rules ? "yes" : "no"}});
  balancer.stop(keep_rules);
  return 0;
}

}  // namespace gtm::cli
