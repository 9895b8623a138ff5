// Where the monitor engine shares what it sees and learns what to answer by,
// when several gtm nodes act as one (cluster/cluster_node.hpp implements it
// over etcd). Without it a node answers by its own observations.
#pragma once

#include <string>
#include <vector>

#include "policy/health.hpp"

namespace gtm::monitor {

class SharedHealth {
 public:
  virtual ~SharedHealth() = default;
  // This node's state of a target changed ("MONITOR|ADDRESS|PORT"). Called
  // on the engine's thread: must not block.
  virtual void observed(const std::string& target, policy::Health state, const std::string& reason) = 0;
  // An engine starts (at start or after a reload): these are the targets
  // this node probes now; observations of any other are withdrawn.
  virtual void retain(const std::vector<std::string>& targets) = 0;
  // The state every node answers by, given this node's own.
  [[nodiscard]] virtual policy::Health agreed(const std::string& target, policy::Health own) = 0;
};

}  // namespace gtm::monitor
