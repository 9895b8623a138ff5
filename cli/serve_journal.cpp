#include "cli/serve_journal.hpp"

#include <chrono>

namespace gtm::cli {

journal::Event endpointEvent(const std::string& type, const std::string& name) {
  journal::Event e;
  e.type = type;
  size_t slash = name.find('/');
  e.profile = name.substr(0, slash);
  e.endpoint = slash == std::string::npos ? "" : name.substr(slash + 1);
  return e;
}

journal::Event plainEvent(const std::string& type, const std::string& action, const std::string& to,
                          const std::string& reason) {
  journal::Event e;
  e.type = type;
  e.action = action;
  e.to = to;
  e.reason = reason;
  return e;
}

monitor::Engine::EventSink journalSink(journal::EventJournal& events) {
  return [&events](const monitor::Engine::Event& ev, bool certificate) {
    journal::Event e = endpointEvent(certificate ? "certificate" : ev.monitor.empty() ? "endpoint" : "check", ev.endpoint);
    e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ev.when.time_since_epoch()).count();
    e.monitor = ev.monitor;
    if (!certificate) {
      e.from = policy::healthName(ev.from);
      e.to = policy::healthName(ev.to);
    }
    e.reason = ev.reason;
    events.add(std::move(e));
  };
}

void ClusterMembership::look(const cluster::ClusterNode& node, journal::EventJournal& events) {
  bool now = node.connected();
  const std::string& self = node.settings().node;
  if (now != connected_) {
    std::string problem = node.problem();
    events.add(plainEvent("cluster", now ? "connected" : "disconnected", self,
                          now ? "this node is connected to etcd"
                              : "this node lost etcd" + (problem.empty() ? "" : ": " + problem)));
    connected_ = now;
  }
  if (!now) return;  // what it saw last stays as it was
  std::set<std::string> seen;
  for (const cluster::NodeInfo& n : node.nodes())
    if (n.live && n.name != self) seen.insert(n.name);
  for (const std::string& n : seen)
    if (!live_.count(n)) events.add(plainEvent("cluster", "joined", n, "node " + n + " joined the cluster"));
  for (const std::string& n : live_)
    if (!seen.count(n)) events.add(plainEvent("cluster", "left", n, "node " + n + " left the cluster (no sign of life)"));
  live_ = std::move(seen);
}

}  // namespace gtm::cli
