// What this node knows of the others, from the keys they keep in etcd under
// the cluster's prefix (events from a range and a watch, applied in order):
//   nodes/NODE            a live node (its lease keeps the key), JSON with
//                         its config digest and version
//   obs/NODE/TARGET       that node's state of a health target
// A node whose lease expired loses every key, so its observations stop
// counting at once; observations of a node with no nodes/ key never count.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/health.hpp"

namespace gtm::cluster {

// A health target's key: "MONITOR|ADDRESS|PORT" (STYLE: what is probed is a
// target, the same on every node with the same config).
[[nodiscard]] std::string targetKey(std::string_view monitor, std::string_view address, unsigned port);

[[nodiscard]] std::optional<policy::Health> healthFromName(std::string_view name);

struct NodeInfo {
  std::string name;
  std::string config_digest;
  std::string version;
};

class ClusterView {
 public:
  explicit ClusterView(std::string self) : self_(std::move(self)) {}

  // One key changed (a PUT) or went (a DELETE, a lease expiry); the key is
  // relative to the prefix. Keys of other shapes are ignored.
  void put(std::string_view key, std::string_view value);
  void remove(std::string_view key);
  void clear();  // before applying a fresh range

  // The states the other live nodes published for a target.
  [[nodiscard]] std::vector<policy::Health> others(const std::string& target) const;
  // Every live node's published state of a target, by node name.
  [[nodiscard]] std::map<std::string, policy::Health> observations(const std::string& target) const;
  [[nodiscard]] std::vector<NodeInfo> nodes() const;  // every live node, this one included when published
  // Live nodes whose config digest differs from `digest`.
  [[nodiscard]] std::vector<std::string> configMismatch(const std::string& digest) const;

 private:
  std::string self_;
  std::map<std::string, NodeInfo> nodes_;
  std::map<std::string, std::map<std::string, policy::Health>> observations_;  // target -> node -> state
};

}  // namespace gtm::cluster
