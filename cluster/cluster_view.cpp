#include "cluster/cluster_view.hpp"

#include <algorithm>

#include "config/table_reader.hpp"

namespace gtm::cluster {

std::string targetKey(std::string_view monitor, std::string_view address, unsigned port) {
  return std::string(monitor) + "|" + std::string(address) + "|" + std::to_string(port);
}

Result<Ok> ClusterView::apply(std::string_view key, std::string_view value, int64_t revision, bool deleted) {
  switch (keyFamily(key)) {
    case KeyFamily::node: {
      auto n = decodeNode(key, value, deleted);
      if (!n) {
        // Unreadable: as if it were not there. Its name may not even be a
        // name, so nothing of it is kept.
        if (config::isName(key.substr(6))) nodes_.erase(std::string(key.substr(6)));
        return Error{n.error()};
      }
      if (deleted) {
        nodes_.erase(n->name);
        seen_.erase(n->name);
        return Ok{};
      }
      seen_[n->name] = std::max(seen_[n->name], revision);
      nodes_[n->name] = std::move(*n);
      return Ok{};
    }
    case KeyFamily::observation: {
      auto o = decodeObservation(key, value, deleted);
      if (!o) {
        if (auto gone = decodeObservation(key, "", true)) forget(gone->node, gone->target);
        return Error{o.error()};
      }
      if (deleted) {
        forget(o->node, o->target);
        return Ok{};
      }
      seen_[o->node] = std::max(seen_[o->node], revision);
      observations_[o->target][o->node] = o->state;
      return Ok{};
    }
    default:
      return Ok{};
  }
}

void ClusterView::forget(const std::string& node, const std::string& target) {
  auto it = observations_.find(target);
  if (it == observations_.end()) return;
  it->second.erase(node);
  if (it->second.empty()) observations_.erase(it);
}

void ClusterView::clear(int64_t revision) {
  baseline_ = revision;
  nodes_.clear();
  seen_.clear();
  observations_.clear();
}

bool ClusterView::live(const std::string& node) const {
  if (!nodes_.count(node)) return false;
  auto it = seen_.find(node);
  return it != seen_.end() && it->second > baseline_;
}

std::vector<policy::Health> ClusterView::others(const std::string& target) const {
  std::vector<policy::Health> out;
  auto it = observations_.find(target);
  if (it == observations_.end()) return out;
  for (const auto& [node, state] : it->second)
    if (node != self_ && live(node)) out.push_back(state);
  return out;
}

std::map<std::string, policy::Health> ClusterView::observations(const std::string& target) const {
  std::map<std::string, policy::Health> out;
  if (auto it = observations_.find(target); it != observations_.end())
    for (const auto& [node, state] : it->second)
      if (nodes_.count(node)) out.emplace(node, state);
  return out;
}

std::vector<NodeInfo> ClusterView::nodes() const {
  std::vector<NodeInfo> out;
  for (const auto& [name, n] : nodes_)
    out.push_back({n.name, n.config_digest, n.version, n.admin_digest, name == self_ || live(name)});
  return out;
}

std::vector<std::string> ClusterView::configMismatch(const std::string& digest) const {
  std::vector<std::string> out;
  for (const auto& [name, n] : nodes_)
    if (n.config_digest != digest) out.push_back(name);
  return out;
}

std::vector<std::string> ClusterView::adminMismatch(const std::string& digest) const {
  std::vector<std::string> out;
  for (const auto& [name, n] : nodes_)
    if (!n.admin_digest.empty() && n.admin_digest != digest) out.push_back(name);
  return out;
}

}  // namespace gtm::cluster
