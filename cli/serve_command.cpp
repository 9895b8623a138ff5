// gtm serve --config FILE: the authoritative DNS server, in the foreground.
// SIGHUP reloads the zones and profiles (all or nothing); SIGINT and SIGTERM
// stop it.
#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "common/log.hpp"
#include "dns/server/server.hpp"

namespace gtm::cli {
namespace {

std::string listenList(const config::DnsSettings& dns) {
  std::string out;
  for (const SocketAddress& a : dns.listen) out += (out.empty() ? "" : ",") + a.toString();
  return out;
}

void reload(const std::string& path, dns::SerialClock& serials, dns::SnapshotStore& store,
            const config::DnsSettings& running) {
  CompiledConfig c = compileConfig(path, serials);
  if (!c.snapshot) {
    log::error("reload failed, still serving the previous config", {{"errors", c.errors}});
    return;
  }
  if (c.config.dns.listen != running.listen || c.config.dns.threads != running.threads)
    log::warn("[dns] listen and threads change only on restart");
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
  store.publish(std::move(c.snapshot));
  dns::server::Server server(c.config.dns, store);
  if (auto r = server.open(); !r) {
    log::error(r.error());
    return 1;
  }
  server.start();
  log::info("serving", {{"config", path}, {"listen", listenList(c.config.dns)}});

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      reload(path, serials, store, c.config.dns);
      continue;
    }
    log::info("stopping", {{"signal", sig == SIGINT ? "INT" : "TERM"}});
    break;
  }
  server.stop();
  return 0;
}

}  // namespace gtm::cli
