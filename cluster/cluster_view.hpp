// What this node knows of the others, from the keys they keep in etcd under
// the cluster's prefix (cluster/cluster_keys.hpp; events from a range and a
// watch, applied in order). A node whose lease expired loses every key, so
// its observations stop counting at once; observations of a node with no
// nodes/ key never count. After this node (re)reads the prefix, another
// node counts only once it shows a sign of life written after that read
// (its heartbeat or an observation): etcd restores leases with a fresh TTL
// when it restarts, so a key alone does not prove that its node is alive.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_keys.hpp"
#include "common/result.hpp"
#include "policy/health.hpp"

namespace gtm::cluster {

// A health target's key: "MONITOR|ADDRESS|PORT" (STYLE: what is probed is a
// target, the same on every node with the same config).
[[nodiscard]] std::string targetKey(std::string_view monitor, std::string_view address, unsigned port);

struct NodeInfo {
  std::string name;
  std::string config_digest;
  std::string version;
  std::string admin_digest;
  bool live = false;  // a sign of life since this node read the prefix
};

class ClusterView {
 public:
  explicit ClusterView(std::string self) : self_(std::move(self)) {}

  // One key of the nodes/ or obs/ family changed (a PUT) or went (a DELETE,
  // a lease expiry), at `revision`; the key is relative to the prefix. What
  // does not decode is ignored (as if it were not there) and the error
  // says why; keys of other families are no business of the view.
  Result<Ok> apply(std::string_view key, std::string_view value, int64_t revision, bool deleted);
  // Before applying a fresh range read at `revision`.
  void clear(int64_t revision);

  // The states the other live nodes published for a target.
  [[nodiscard]] std::vector<policy::Health> others(const std::string& target) const;
  // Every node's published state of a target, by node name.
  [[nodiscard]] std::map<std::string, policy::Health> observations(const std::string& target) const;
  [[nodiscard]] std::vector<NodeInfo> nodes() const;  // every node with a key, this one included when published
  // Nodes whose config digest differs from `digest`.
  [[nodiscard]] std::vector<std::string> configMismatch(const std::string& digest) const;
  // Nodes that published an admin digest other than `digest`.
  [[nodiscard]] std::vector<std::string> adminMismatch(const std::string& digest) const;
  // Whether a node counts now (it has a key and a sign of life).
  [[nodiscard]] bool live(const std::string& node) const;

 private:
  void forget(const std::string& node, const std::string& target);

  std::string self_;
  int64_t baseline_ = 0;  // the revision of the last range read
  std::map<std::string, NodeRecord> nodes_;
  std::map<std::string, int64_t> seen_;  // node -> the newest revision it wrote
  std::map<std::string, std::map<std::string, policy::Health>> observations_;  // target -> node -> state
};

}  // namespace gtm::cluster
