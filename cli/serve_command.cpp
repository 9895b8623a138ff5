// gtm serve --config FILE: the authoritative DNS server, in the foreground.
// SIGHUP, or a change to the file, reloads zones, profiles and monitors (all
// or nothing); SIGINT and SIGTERM stop it.
#include <unistd.h>

#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "common/file_watcher.hpp"
#include "common/log.hpp"
#include "dns/server/server.hpp"
#include "monitor/engine.hpp"

namespace gtm::cli {
namespace {

std::string listenList(const config::DnsSettings& dns) {
  std::string out;
  for (const SocketAddress& a : dns.listen) out += (out.empty() ? "" : ",") + a.toString();
  return out;
}

// Starts the monitors of a snapshot; with `previous`, checks that did not
// change keep their state.
std::unique_ptr<monitor::Engine> startMonitors(const dns::Snapshot& s, const monitor::Engine* previous = nullptr) {
  auto engine = std::make_unique<monitor::Engine>(s.monitors, s.profiles, s.health);
  if (previous) engine->adopt(*previous);
  if (auto r = engine->start(); !r) {
    log::error("monitors did not start", {{"error", r.error()}});
    return nullptr;
  }
  return engine;
}

void reload(const std::string& path, dns::SerialClock& serials, dns::SnapshotStore& store,
            const config::DnsSettings& running, std::unique_ptr<monitor::Engine>& monitors) {
  CompiledConfig c = compileConfig(path, serials);
  if (!c.snapshot) {
    log::error("reload failed, still serving the previous config", {{"errors", c.errors}});
    return;
  }
  if (c.config.dns.listen != running.listen || c.config.dns.threads != running.threads)
    log::warn("[dns] listen and threads change only on restart");
  auto next = startMonitors(*c.snapshot, monitors.get());
  if (!next) return;  // the old config keeps serving; the error was logged
  monitors = std::move(next);
  store.publish(std::move(c.snapshot));
  log::info("reloaded", {{"config", path}});
}

}  // namespace

int serveCommand(const Args& args) {
  std::string path, error;
  if (!configPathFrom(args, path, error)) {
    std::cerr << "gtm serve: " << error << "\n";
    return 2;
  }
  dns::SerialClock serials;
  CompiledConfig c = compileConfig(path, serials);
  if (!c.snapshot) {
    std::cerr << c.errors;
    return 1;
  }
  // Signals are taken by sigwait below, never by the query threads.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  dns::SnapshotStore store;
  auto monitors = startMonitors(*c.snapshot);
  if (!monitors) return 1;
  store.publish(std::move(c.snapshot));
  dns::server::Server server(c.config.dns, store);
  if (auto r = server.open(); !r) {
    log::error(r.error());
    return 1;
  }
  server.start();
  log::info("serving", {{"config", path}, {"listen", listenList(c.config.dns)}});
  // A change to the file reloads it the way SIGHUP does.
  FileWatcher watcher;
  if (auto r = watcher.start(path, [] { ::kill(::getpid(), SIGHUP); }); !r)
    log::warn("config changes will need SIGHUP", {{"error", r.error()}});

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      reload(path, serials, store, c.config.dns, monitors);
      continue;
    }
    log::info("stopping", {{"signal", sig == SIGINT ? "INT" : "TERM"}});
    break;
  }
  watcher.stop();
  server.stop();
  monitors.reset();
  return 0;
}

}  // namespace gtm::cli
