// gtm serve --config FILE: the authoritative DNS server, in the foreground.
// SIGHUP, or a change to the file, reloads zones, profiles and monitors (all
// or nothing); SIGINT and SIGTERM stop it. With [status], the status page,
// JSON API, metrics and admin control run beside it.
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <optional>
#include <set>

#include "cli/commands.hpp"
#include "cli/cluster_member.hpp"
#include "cli/compiled_config.hpp"
#include "cli/serve_journal.hpp"
#include "cluster/cluster_node.hpp"
#include "common/build_info.hpp"
#include "common/file_watcher.hpp"
#include "common/log.hpp"
#include "common/privileges.hpp"
#include "common/service_notify.hpp"
#include "common/small_file.hpp"
#include "config/table_reader.hpp"
#include "dns/server/server.hpp"
#include "journal/answer_watch.hpp"
#include "journal/event_journal.hpp"
#include "monitor/engine.hpp"
#include "status/admin_store.hpp"
#include "status/serve_status.hpp"
#include "status/status_server.hpp"
#include "xfr/transfer_service.hpp"

namespace gtm::cli {
namespace {

std::string listenList(const config::DnsSettings& dns) {
  std::string out;
  for (const SocketAddress& a : dns.listen) out += (out.empty() ? "" : ",") + a.toString();
  return out;
}

// The running state that a reload replaces and the status server reads.
struct Running {
  dns::SnapshotStore store;
  // Held while a new snapshot is made and published: by a reload, and by a
  // cluster node adopting the SOA serial of its peers.
  std::mutex load_mutex;
  config::Config config;  // the config of the snapshot served
  std::string digest;     // its digest (what every node must serve alike)
  std::unique_ptr<cluster::ClusterNode> cluster;  // with [cluster], read at start
  std::mutex engine_mutex;
  std::shared_ptr<monitor::Engine> engine;
  // With a zone that secondaries transfer: the hidden primary (xfr/). Set
  // once, by the start or the first reload that has such a zone.
  std::mutex transfers_mutex;
  std::shared_ptr<xfr::TransferService> transfers;
  // The event journal (always: in memory only without a file) and the
  // watch that records each change of a profile's answer.
  std::unique_ptr<journal::EventJournal> events;
  std::unique_ptr<journal::AnswerWatch> answers;
  std::atomic<uint64_t> reloads_ok{0}, reloads_failed{0};
  std::atomic<uint64_t> renewal_failures{0};  // DNSSEC re-signing that failed
  std::time_t renewal_failure_logged = 0;

  std::shared_ptr<monitor::Engine> currentEngine() {
    std::lock_guard lock(engine_mutex);
    return engine;
  }
  std::shared_ptr<xfr::TransferService> currentTransfers() {
    std::lock_guard lock(transfers_mutex);
    return transfers;
  }
};

void record(journal::EventJournal* events, journal::Event e) {
  if (events) events->add(std::move(e));
}

// Starts the monitors of a snapshot; with `previous`, checks that did not
// change keep their state. Their state changes go to the journal.
std::shared_ptr<monitor::Engine> startMonitors(const dns::Snapshot& s, cluster::ClusterNode* shared,
                                               journal::EventJournal* events,
                                               const monitor::Engine* previous = nullptr) {
  auto engine = std::make_shared<monitor::Engine>(s.monitors, s.profiles, s.health);
  engine->share(shared);
  if (events) engine->onEvent(journalSink(*events));
  if (previous) engine->adopt(*previous);
  if (auto r = engine->start(); !r) {
    log::error("monitors did not start", {{"error", r.error()}});
    return nullptr;
  }
  return engine;
}

bool hasTransfers(const config::Config& c) {
  for (const config::Zone& z : c.zones)
    if (z.transfer) return true;
  return false;
}

// The snapshot served again with a new SOA serial, its other signatures
// kept: the transferred zones' answers changed.
bool publishSerial(Running& run, dns::SerialClock& serials, uint32_t serial) {
  std::lock_guard load(run.load_mutex);
  auto current = run.store.current();
  config::Diagnostics diag(run.config.path);
  auto next = dns::withSerial(*current, run.config, serial, diag);
  if (!next) {
    log::error("the SOA could not be signed with its new serial", {{"errors", diag.format()}});
    return false;
  }
  run.store.publish(std::move(next));
  serials.follow(serial);
  return true;
}

// The transfer service for a config with transferred zones (made and
// started the first time one has them), handed to its snapshot. Under
// run.load_mutex, or before serving.
void setUpTransfers(Running& run, dns::SerialClock& serials, const config::Config& cfg, dns::Snapshot& snapshot) {
  if (!hasTransfers(cfg) && !run.transfers) return;
  if (!run.transfers) {
    auto made = std::make_shared<xfr::TransferService>(
        run.store, [&run, &serials](uint32_t serial) { return publishSerial(run, serials, serial); });
    // Beside the admin state, so a restart never serves a lower serial.
    if (!cfg.status.state_file.empty()) made->keepSerialsIn(cfg.status.state_file + ".serials");
    // In a cluster, nodes with the same answers serve the same serial.
    if (run.cluster)
      made->agreeWith([&run](const std::string& content, uint32_t proposed) {
        return run.cluster->agreeTransferSerial(content, proposed);
      });
    made->configure(cfg);
    made->start();
    std::lock_guard lock(run.transfers_mutex);
    run.transfers = std::move(made);
  } else {
    run.transfers->configure(cfg);
  }
  if (hasTransfers(cfg)) snapshot.transfers = run.transfers;
}

void reload(const std::string& path, dns::SerialClock& serials, Running& run, const config::DnsSettings& dns,
            const status::AdminStore& admin, status::StatusServer* status_server) {
  service::reloading();
  struct Done {
    ~Done() { service::ready(); }
  } done;
  std::lock_guard load(run.load_mutex);
  CompiledConfig c = compileConfig(path, serials);
  auto refused = [&](const std::string& why) {
    ++run.reloads_failed;
    log::error("reload failed, still serving the previous config", {{"errors", why}});
    record(run.events.get(), plainEvent("reload", "refused", "", why.substr(0, why.find('\n'))));
  };
  if (!c.snapshot) {
    refused(c.errors);
    return;
  }
  // [status]: a new token or allowed_hosts takes effect now; what needs a
  // restart refuses the reload, so nothing is silently left as it was.
  if (std::string why = status::statusNeedsRestart(run.config.status, c.config.status); !why.empty()) {
    refused(why);
    return;
  }
  if (c.config.dns.listen != dns.listen || c.config.dns.threads != dns.threads)
    log::warn("[dns] listen and threads change only on restart");
  if (run.cluster) c.snapshot->identity = run.cluster->settings().node;  // [cluster] is read at start only
  auto previous = run.currentEngine();
  auto next = startMonitors(*c.snapshot, run.cluster.get(), run.events.get(), previous.get());
  if (!next) {  // the old config keeps serving
    refused("the monitors did not start (see the log)");
    return;
  }
  admin.applyTo(*c.snapshot);
  setUpTransfers(run, serials, c.config, *c.snapshot);
  {
    std::lock_guard lock(run.engine_mutex);
    run.engine = next;
  }
  if (previous) previous->stop();
  uint32_t serial = c.snapshot->serial;
  run.store.publish(std::move(c.snapshot));
  if (status_server) status_server->update(status::Access::from(c.config.status), c.config.status.allowed_hosts);
  run.config = std::move(c.config);
  run.digest = configDigest(path);
  if (run.cluster) run.cluster->loaded(run.digest, serial);
  ++run.reloads_ok;
  record(run.events.get(), plainEvent("reload", "ok", run.digest, "config " + path + " loaded"));
  log::info("reloaded", {{"config", path}});
}

// The same config compiled again into a new snapshot with `serial`,
// sharing the health table (and so the admin state) and identity of the one
// it replaces. Under run.load_mutex.
bool rebuild(Running& run, uint32_t serial) {
  auto current = run.store.current();
  config::Diagnostics diag(run.config.path);
  auto fixed = dns::SerialClock::fixed(serial);
  // From what is loaded: key texts are kept in the config, and the GeoIP
  // database open in the snapshot, so nothing on disk can fail it.
  std::unique_ptr<dns::Snapshot> next = dns::buildSnapshot(run.config, diag, fixed, current->geo);
  if (!next) {
    log::error("the config did not compile again", {{"errors", diag.format()}});
    return false;
  }
  next->health = current->health;
  next->identity = current->identity;
  next->transfers = current->transfers;
  run.store.publish(std::move(next));
  return true;
}

// The nodes serving this config serve `serial`: the snapshot again with it.
void adoptSerial(Running& run, dns::SerialClock& serials, const std::string& digest, uint32_t serial) {
  std::lock_guard load(run.load_mutex);
  if (digest != run.digest) return;  // a reload came first
  // Secondaries never see a serial go back (RFC 1982): a node serving
  // transferred zones adopts only newer serials.
  uint32_t current = run.store.current()->serial;
  if (run.transfers && static_cast<int32_t>(serial - current) < 0) return;
  if (current == serial || !rebuild(run, serial)) return;
  serials.follow(serial);
  run.cluster->loaded(digest, serial);
  log::info("SOA serial adopted from the cluster", {{"serial", std::to_string(serial)}});
}

// DNSSEC: signatures are made again `refresh` before they expire, off the
// query path (the snapshot is rebuilt and swapped), keeping the serial.
void renewSignatures(Running& run) {
  std::lock_guard load(run.load_mutex);
  auto current = run.store.current();
  auto now = static_cast<uint32_t>(std::time(nullptr));
  bool due = false;
  for (const dns::Zone& z : current->zones) due = due || (z.is_signed && now >= z.signatures_renew_at);
  if (!due) return;
  if (!rebuild(run, current->serial)) {
    // Never a silent loop: counted (gtm_dnssec_renewal_failures_total, an
    // alert rule), shown on the status page, logged once a minute.
    uint64_t failures = ++run.renewal_failures;
    if (failures == 1 || std::time(nullptr) - run.renewal_failure_logged >= 60) {
      run.renewal_failure_logged = std::time(nullptr);
      log::error("DNSSEC signatures could not be renewed; the served ones expire unless this is fixed",
                 {{"failures", std::to_string(failures)}});
      record(run.events.get(), plainEvent("dnssec", "renewal failed", "",
                                          "DNSSEC signatures could not be made again (" + std::to_string(failures) +
                                              " failures); the served ones expire unless this is fixed"));
    }
    return;
  }
  uint32_t expire = UINT32_MAX;
  for (const dns::Zone& z : run.store.current()->zones)
    if (z.is_signed) expire = std::min(expire, z.signatures_expire);
  log::info("DNSSEC signatures renewed", {{"expire", std::to_string(expire)}});
}

// Admin overrides from etcd, applied to the store (one write of the state
// file) and to the snapshot served, under the load mutex so that a reload
// running at the same time does not lose them. Returns the store's digest.
std::string applyClusterAdmin(Running& run, status::AdminStore& admin, const cluster::AdminUpdate& update) {
  std::lock_guard load(run.load_mutex);
  bool one = update.states.size() == 1 && !update.complete;
  std::string before = one ? status::AdminStore::stateName(admin.state(update.states.begin()->first)) : "";
  if (!admin.mergeFromCluster(update.states, update.complete)) return admin.digest();
  admin.applyTo(*run.store.current());
  if (one) {
    const auto& [name, state] = *update.states.begin();
    const cluster::AdminActor& by = update.actor;
    log::info("admin action from the cluster",
              {{"endpoint", name}, {"state", state}, {"by", by.by}, {"node", by.node}, {"reason", by.reason}});
    // Every node records who did it, and on which node.
    journal::Event e = endpointEvent("admin", name);
    e.action = state == "enabled" ? "enable" : state == "drained" ? "drain" : "disable";
    e.from = before;
    e.to = state;
    e.actor = by.by.empty() ? "" : by.by + (by.node.empty() ? "" : "@" + by.node);
    e.client = by.client;
    e.reason = by.reason;
    record(run.events.get(), std::move(e));
  } else
    log::info("admin state from the cluster", {{"overrides", std::to_string(update.states.size())}});
  return admin.digest();
}

// Started as root: become `user`, or "nobody" when none is set; never stay root.
Result<Ok> dropRoot(const std::string& configured) {
  if (::geteuid() != 0) return Ok{};
  std::string user = configured.empty() ? "nobody" : configured;
  if (passwd* pw = ::getpwnam(user.c_str()); pw && pw->pw_uid == 0)
    return Error{"[dns] user \"" + user + "\" is root: gtm serve does not answer queries as root"};
  if (auto r = dropPrivileges(user); !r) return r;
  log::info("running as", {{"user", user}});
  return Ok{};
}

}  // namespace

int serveCommand(const Args& all_args) {
  std::string path, error;
  Args args;
  bool ignore_state = false;
  std::string node;  // --node NAME: this node's name in the cluster, over [cluster] node
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "--ignore-state")
      ignore_state = true;
    else if (all_args[i] == "--node" && i + 1 < all_args.size())
      node = all_args[++i];
    else
      args.push_back(all_args[i]);
  }
  if (!configPathFrom(args, path, error)) {
    std::cerr << "gtm serve: " << error << "\n";
    return 2;
  }
  if (!node.empty() && !config::isName(node)) {
    std::cerr << "gtm serve: --node " << config::kNameRule << "\n";
    return 2;
  }
  dns::SerialClock serials;
  CompiledConfig c = compileConfig(path, serials);
  if (!c.snapshot) {
    std::cerr << c.errors;
    return 1;
  }
  log::setJson(c.config.log.json);
  if (c.config.log.debug) log::setMinimumLevel(log::Level::debug);
  // Signals are taken by sigtimedwait below, never by the query threads.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Before `run`, whose threads read it until they end.
  status::AdminStore admin(c.config.status.state_file);
  Running run;
  if (auto r = admin.load(); !r) {
    if (!ignore_state) {
      log::error(r.error());
      return 1;
    }
    log::warn("admin state ignored (--ignore-state): every endpoint starts enabled", {{"error", r.error()}});
  }
  admin.applyTo(*c.snapshot);
  if (!node.empty()) c.config.cluster.node = node;
  // A cluster node says which it is (id.server, hostname.bind, NSID).
  std::string identity = c.config.cluster.enabled ? c.config.cluster.node : "";
  c.snapshot->identity = identity;
  if (c.config.cluster.enabled) {
    // Started before the monitors, so that none of their observations is
    // missed; it applies admin overrides from etcd to the local copy.
    run.cluster = std::make_unique<cluster::ClusterNode>(
        clusterSettings(c.config),
        [&run] {
          if (auto e = run.currentEngine()) e->refresh();
        },
        [&run, &admin](const cluster::AdminUpdate& update) { return applyClusterAdmin(run, admin, update); },
        [&run, &serials](const std::string& digest, uint32_t serial) { adoptSerial(run, serials, digest, serial);
        });
    if (auto r = run.cluster->usable(); !r) {
      log::error("[cluster]: " + r.error());
      return 1;
    }
  }
  // The journal first: it reads the history back, and every later event
  // (the monitors' first results too) is recorded.
  run.events = std::make_unique<journal::EventJournal>(
      journal::JournalSettings{c.config.status.event_log, c.config.status.event_log_max, identity});
  run.events->start();
  if (!c.config.status.event_log.empty())
    log::info("event journal", {{"file", c.config.status.event_log},
                                {"read_back", std::to_string(run.events->health().read_back)}});
  run.events->add(plainEvent("reload", "start", configDigest(path),
                             "gtm " + std::string(version()) + " started with " + path));
  run.engine = startMonitors(*c.snapshot, run.cluster.get(), run.events.get());
  if (!run.engine) return 1;
  run.digest = configDigest(path);
  if (run.cluster) run.cluster->loaded(run.digest, c.snapshot->serial);
  run.config = c.config;
  setUpTransfers(run, serials, c.config, *c.snapshot);
  run.store.publish(std::move(c.snapshot));
  run.answers = std::make_unique<journal::AnswerWatch>(
      [&run] { return run.store.current(); },
      [&run, &admin] {
        auto engine = run.currentEngine();
        return status::whyUnavailable(engine.get(), admin);
      },
      *run.events);
  run.answers->start();
  dns::server::Server server(c.config.dns, run.store);
  if (auto r = server.open(); !r) {
    log::error(r.error());
    return 1;
  }

  // Traffic View: which client networks each endpoint gets, collected off
  // the query path every 5 s.
  auto traffic = std::make_unique<status::TrafficView>(
      [&server](const std::function<void(const dns::QueryStats&)>& fn) { server.eachStats(fn); },
      [&server] { return server.totals(); }, [&run] { return run.store.current(); });
  std::unique_ptr<status::ServeStatus> status_provider;
  std::unique_ptr<status::StatusServer> status_server;
  if (c.config.status.listen) {
    status::ServeSources sources;
    sources.snapshot = [&run] { return run.store.current(); };
    sources.engine = [&run]() -> std::shared_ptr<const monitor::Engine> { return run.currentEngine(); };
    sources.queries = [&server] { return server.totals(); };
    sources.reloads = [&run] { return std::make_pair(run.reloads_ok.load(), run.reloads_failed.load()); };
    sources.renewal_failures = [&run] { return run.renewal_failures.load(); };
    sources.endpoint_metrics = c.config.status.endpoint_metrics;
    sources.cluster = run.cluster.get();
    sources.journal = run.events.get();
    sources.traffic = traffic.get();
    sources.answers = run.answers.get();
    sources.transfers = [&run] {
      auto transfers = run.currentTransfers();
      return transfers ? transfers->report() : std::vector<xfr::ZoneTransferReport>{};
    };
    status_provider = std::make_unique<status::ServeStatus>(sources, admin);
    status::StatusLimits limits;
    limits.allowed_hosts = c.config.status.allowed_hosts;
    status_server = std::make_unique<status::StatusServer>(
        *c.config.status.listen, status::Access::from(c.config.status), *status_provider, limits);
    if (auto r = status_server->start(); !r) {
      log::error(r.error());
      server.stop();
      return 1;
    }
    log::info("status server listening", {{"listen", c.config.status.listen->toString()}});
  }
  // Every socket is open: drop root before the first query is read, so that
  // the query path never runs as root.
  // Refused now rather than answering 500 to every admin action later.
  if (auto r = dropRoot(c.config.dns.user); !r || (r = admin.checkWritable(), !r)) {
    log::error(r.error());
    if (status_server) status_server->stop();
    server.stop();
    return 1;
  }
  // A change to the file reloads it the way SIGHUP does. Watched before the
  // first query is answered, so no change made after that is missed (the
  // signal waits, blocked, for the loop below).
  FileWatcher watcher;
  if (auto r = watcher.start(path, [] { ::kill(::getpid(), SIGHUP); }); !r)
    log::warn("config changes will need SIGHUP", {{"error", r.error()}});
  // So does a new data file the config names: the GeoIP database (swapped
  // in by geoipupdate's rename) and each profile's latency_table. The
  // watches follow the config across reloads.
  std::map<std::string, std::unique_ptr<FileWatcher>> data_watchers;
  auto watchDataFiles = [&](const config::Config& config) {
    std::set<std::string> paths;
    if (!config.geoip.database.empty()) paths.insert(config.geoip.database);
    for (const config::Profile& p : config.profiles)
      if (!p.latency_table.empty()) paths.insert(p.latency_table);
    std::erase_if(data_watchers, [&](const auto& w) { return !paths.count(w.first); });
    for (const std::string& file : paths) {
      if (data_watchers.count(file)) continue;
      auto w = std::make_unique<FileWatcher>();
      if (auto r = w->start(file, [] { ::kill(::getpid(), SIGHUP); }); !r)
        log::warn("changes to this file will need SIGHUP", {{"file", file}, {"error", r.error()}});
      data_watchers.emplace(file, std::move(w));
    }
  };
  watchDataFiles(c.config);
  server.start();
  traffic->start();
  if (run.cluster) run.cluster->start();
  if (c.config.dns.xdp_interface.empty())
    log::info("serving", {{"config", path}, {"listen", listenList(c.config.dns)}});
  else
    log::info("serving", {{"config", path}, {"listen", listenList(c.config.dns)}, {"xdp", c.config.dns.xdp_interface}});
  service::ready();
  // systemd's watchdog is petted only while the query threads and the
  // monitors make progress.
  std::optional<service::Watchdog> watchdog;
  watchdog.emplace([&server, &run](std::chrono::nanoseconds max_age) -> std::string {
    if (std::string part = server.stalled(max_age); !part.empty()) return part;
    auto engine = run.currentEngine();
    return engine && engine->stalled(max_age) ? "monitor engine" : "";
  });
  ClusterMembership membership;
  for (;;) {
    // Woken every second to renew DNSSEC signatures when they are due.
    timespec tick{1, 0};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig < 0) {
      renewSignatures(run);
      if (run.cluster) membership.look(*run.cluster, *run.events);
      continue;
    }
    if (sig == SIGHUP) {
      reload(path, serials, run, c.config.dns, admin, status_server.get());
      config::Config current;
      {
        std::lock_guard lock(run.load_mutex);
        current = run.config;
      }
      watchDataFiles(current);
      continue;
    }
    log::info("stopping", {{"signal", sig == SIGINT ? "INT" : "TERM"}});
    break;
  }
  service::stopping();
  watchdog.reset();
  run.answers->stop();
  // Before the cluster node goes: its thread asks the node for serials.
  if (run.transfers) run.transfers->stop();
  // Leaves the cluster at once (lease revoked) when etcd answers; a node in
  // an etcd call that has not returned is not waited for past half a second
  // (it is left to the process's exit), so SIGTERM always stops gtm in time.
  // The node's thread holds callbacks into this function's locals (run,
  // admin, serials): when it does not end in time, the process ends
  // without unwinding them (below), never with that thread still running.
  bool abandoned = run.cluster && !run.cluster->stopWithin(std::chrono::milliseconds(500));
  if (abandoned) {
    log::warn("cluster: leaving without waiting for etcd");
    (void)run.cluster.release();
  }
  watcher.stop();
  data_watchers.clear();
  if (status_server) status_server->stop();
  traffic->stop();
  server.stop();
  if (auto engine = run.currentEngine()) engine->stop();
  run.events->add(plainEvent("reload", "stop", "", "gtm stopped"));
  run.events->stop();  // what is pending is written
  if (abandoned) std::_Exit(0);
  return 0;
}

}  // namespace gtm::cli
