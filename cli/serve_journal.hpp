// What gtm serve writes to its event journal besides the answers (which
// journal/answer_watch records): the monitors' state changes, reloads and
// starts, and the cluster's comings and goings.
#pragma once

#include <set>
#include <string>

#include "cluster/cluster_node.hpp"
#include "journal/event_journal.hpp"
#include "monitor/engine.hpp"

namespace gtm::cli {

// An event about a profile's endpoint ("profile/endpoint").
[[nodiscard]] journal::Event endpointEvent(const std::string& type, const std::string& name);
// An event of `type` without objects: action, what it changed to, reason.
[[nodiscard]] journal::Event plainEvent(const std::string& type, const std::string& action, const std::string& to,
                                        const std::string& reason);

// The monitors' check and endpoint state changes and new certificate
// warnings, as journal events.
[[nodiscard]] monitor::Engine::EventSink journalSink(journal::EventJournal& events);

// The cluster's comings and goings, looked at once a second: this node
// connecting to etcd or losing it, other nodes joining or leaving (no sign
// of life).
class ClusterMembership {
 public:
  void look(const cluster::ClusterNode& node, journal::EventJournal& events);

 private:
  bool connected_ = false;
  std::set<std::string> live_;
};

}  // namespace gtm::cli
