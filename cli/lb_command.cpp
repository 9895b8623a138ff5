// gtm lb --config FILE [--dry-run] [--keep-rules]: the per-site layer-4
// balancer. Programs the kernel (nftables DNAT with Maglev tables), keeps
// the tables in step with the real servers' health, and removes its table on
// exit unless --keep-rules. --dry-run prints the ruleset and changes nothing.
// SIGHUP reloads the file (weights, drain, real servers), all or nothing.
// With [cluster], the site's balancers share admin state (and, by their
// agreement rule, their observations) through etcd, as gtm serve nodes do.
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <iostream>

#include "cli/cluster_member.hpp"
#include "cli/commands.hpp"
#include "common/log.hpp"
#include "common/service_notify.hpp"
#include "config/config_loader.hpp"
#include "config/table_reader.hpp"
#include "lb/balancer.hpp"
#include "lb/lb_plan.hpp"
#include "lb/lb_status.hpp"
#include "status/status_server.hpp"

namespace gtm::cli {

namespace {

// Loads and compiles an lb file; errors as file:line:column lines.
bool loadPlan(const std::string& path, lb::LbPlan& plan, std::string& errors) {
  auto loaded = config::loadFile(path);
  if (loaded.ok()) plan = lb::compileLbPlan(loaded.config, loaded.diagnostics);
  if (loaded.ok() && loaded.config.services.empty())
    loaded.diagnostics.error({1, 1}, "gtm lb needs at least one [[service]]");
  errors = loaded.diagnostics.format();
  return loaded.ok();
}

}  // namespace

int lbCommand(const Args& args) {
  std::string path, node;
  bool dry_run = false, keep_rules = false, ignore_state = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dry-run") {
      dry_run = true;
    } else if (args[i] == "--keep-rules") {
      keep_rules = true;
    } else if (args[i] == "--ignore-state") {
      ignore_state = true;
    } else if ((args[i] == "--config" || args[i] == "-c") && i + 1 < args.size()) {
      path = args[++i];
    } else if (args[i] == "--node" && i + 1 < args.size()) {
      node = args[++i];
    } else {
      std::cerr << "gtm lb: unknown argument \"" << args[i] << "\"\n"
                << "usage: gtm lb --config FILE [--dry-run] [--keep-rules] [--ignore-state] [--node NAME]\n";
      return 2;
    }
  }
  if (path.empty()) {
    std::cerr << "gtm lb: --config FILE is required\n";
    return 2;
  }
  if (!node.empty() && !config::isName(node)) {
    std::cerr << "gtm lb: --node " << config::kNameRule << "\n";
    return 2;
  }
  lb::LbPlan plan;
  std::string errors;
  if (!loadPlan(path, plan, errors)) {
    std::cerr << errors;
    return 1;
  }
  auto settings = config::loadFile(path).config;
  status::AdminStore admin(settings.status.state_file);
  if (auto r = admin.load(); !r) {
    if (!ignore_state) {
      log::error(r.error());
      return 1;
    }
    log::warn("admin state ignored (--ignore-state): every real server starts enabled", {{"error", r.error()}});
  }
  if (auto r = admin.checkWritable(); !r && !dry_run) {
    log::error(r.error());
    return 1;
  }
  std::mutex current_mutex;
  std::shared_ptr<lb::Balancer> balancer;
  auto current = [&]() {
    std::lock_guard lock(current_mutex);
    return balancer;
  };
  std::unique_ptr<cluster::ClusterNode> cluster;
  if (settings.cluster.enabled && !dry_run) {
    if (!node.empty()) settings.cluster.node = node;
    cluster = std::make_unique<cluster::ClusterNode>(
        clusterSettings(settings),
        [&] {
          if (auto b = current()) b->refresh();
        },
        [&](const cluster::AdminUpdate& update) {
          if (admin.mergeFromCluster(update.states, update.complete)) {
            if (auto b = current()) b->poke();
            log::info("admin state from the cluster", {{"overrides", std::to_string(update.states.size())}});
          }
          return admin.digest();
        });
    if (auto r = cluster->usable(); !r) {
      log::error("[cluster]: " + r.error());
      return 1;
    }
    cluster->loaded(configDigest(path), 0);
  }
  balancer = std::make_shared<lb::Balancer>(std::move(plan), &admin, cluster.get());
  if (dry_run) {
    std::cout << balancer->ruleset();
    return 0;
  }
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (auto r = balancer->start(); !r) {
    log::error("gtm lb cannot start", {{"error", r.error()}});
    balancer->stop(keep_rules);
    return 1;
  }
  log::info("balancing", {{"config", path}});
  std::unique_ptr<lb::LbStatus> status_provider;
  std::unique_ptr<status::StatusServer> status_server;
  if (settings.status.listen) {
    status_provider = std::make_unique<lb::LbStatus>(current, admin, cluster.get());
    status::StatusLimits limits;
    limits.allowed_hosts = settings.status.allowed_hosts;
    status_server = std::make_unique<status::StatusServer>(*settings.status.listen, status::Access::from(settings.status),
                                                           *status_provider, limits);
    if (auto r = status_server->start(); !r) {
      log::error(r.error());
      balancer->stop(keep_rules);
      return 1;
    }
  }
  if (cluster) cluster->start();
  service::ready();
  // systemd's watchdog is petted only while the table worker and the
  // monitors make progress.
  std::optional<service::Watchdog> watchdog;
  watchdog.emplace([&](std::chrono::nanoseconds max_age) {
    std::lock_guard lock(current_mutex);
    return balancer->stalled(max_age);
  });
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != SIGHUP) {
      log::info("stopping", {{"signal", sig == SIGINT ? "INT" : "TERM"}, {"keep_rules", keep_rules ? "yes" : "no"}});
      break;
    }
    service::reloading();
    struct Done {
      ~Done() { service::ready(); }
    } done;
    lb::LbPlan next_plan;
    if (!loadPlan(path, next_plan, errors)) {
      log::error("reload failed, the current table stays", {{"errors", errors}});
      continue;
    }
    // [status]: a new token or allowed_hosts now; what needs a restart
    // refuses the reload.
    auto next_settings = config::loadFile(path).config;
    if (std::string why = status::statusNeedsRestart(settings.status, next_settings.status); !why.empty()) {
      log::error("reload failed, the current table stays", {{"errors", why}});
      continue;
    }
    // The new table replaces the old in one transaction; flows stay.
    auto next = std::make_shared<lb::Balancer>(std::move(next_plan), &admin, cluster.get());
    if (auto r = next->start(balancer.get()); !r) {
      log::error("reload failed, the current table stays", {{"error", r.error()}});
      next->stop(true);
      continue;
    }
    // Swapped before the old one stops: the watchdog and the status server
    // read the current balancer under current_mutex.
    std::shared_ptr<lb::Balancer> old;
    {
      std::lock_guard lock(current_mutex);
      old = std::exchange(balancer, std::move(next));
    }
    old->stop(true);
    if (cluster) cluster->loaded(configDigest(path), 0);
    if (status_server) status_server->update(status::Access::from(next_settings.status), next_settings.status.allowed_hosts);
    settings.status.token = next_settings.status.token;
    settings.status.tokens = next_settings.status.tokens;
    settings.status.read_needs_token = next_settings.status.read_needs_token;
    settings.status.allowed_hosts = next_settings.status.allowed_hosts;
    log::info("reloaded", {{"config", path}});
  }
  service::stopping();
  watchdog.reset();
  // As gtm serve: leave the cluster at once, never waiting on etcd for long;
  // a node thread that did not end (it holds callbacks into this
  // function's locals) ends with the process, not after them.
  bool abandoned = cluster && !cluster->stopWithin(std::chrono::milliseconds(500));
  if (abandoned) {
    log::warn("cluster: leaving without waiting for etcd");
    (void)cluster.release();
  }
  if (status_server) status_server->stop();
  balancer->stop(keep_rules);
  if (abandoned) std::_Exit(0);
  return 0;
}

}  // namespace gtm::cli
