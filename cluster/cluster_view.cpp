#include "cluster/cluster_view.hpp"

#include <nlohmann/json.hpp>

namespace gtm::cluster {
namespace {

// "obs/NODE/TARGET" -> NODE, TARGET.
bool splitObservation(std::string_view key, std::string_view& node, std::string_view& target) {
  if (key.substr(0, 4) != "obs/") return false;
  key.remove_prefix(4);
  size_t slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size()) return false;
  node = key.substr(0, slash);
  target = key.substr(slash + 1);
  return true;
}

}  // namespace

std::string targetKey(std::string_view monitor, std::string_view address, unsigned port) {
  return std::string(monitor) + "|" + std::string(address) + "|" + std::to_string(port);
}

std::optional<policy::Health> healthFromName(std::string_view name) {
  using policy::Health;
  for (Health h : {Health::checking, Health::online, Health::degraded, Health::unmonitored, Health::full})
    if (policy::healthName(h) == name) return h;
  return std::nullopt;
}

void ClusterView::put(std::string_view key, std::string_view value) {
  std::string_view node, target;
  if (key.substr(0, 6) == "nodes/" && key.size() > 6) {
    NodeInfo info{std::string(key.substr(6)), "", ""};
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (j.is_object()) {
      info.config_digest = j.value("config_digest", "");
      info.version = j.value("version", "");
    }
    nodes_[info.name] = std::move(info);
  } else if (splitObservation(key, node, target)) {
    auto j = nlohmann::json::parse(value, nullptr, false);
    auto state = j.is_object() ? healthFromName(j.value("state", "")) : std::nullopt;
    if (state)
      observations_[std::string(target)][std::string(node)] = *state;
    else
      remove(key);  // unreadable: as if it were not there
  }
}

void ClusterView::remove(std::string_view key) {
  std::string_view node, target;
  if (key.substr(0, 6) == "nodes/") {
    nodes_.erase(std::string(key.substr(6)));
  } else if (splitObservation(key, node, target)) {
    auto it = observations_.find(std::string(target));
    if (it == observations_.end()) return;
    it->second.erase(std::string(node));
    if (it->second.empty()) observations_.erase(it);
  }
}

void ClusterView::clear() {
  nodes_.clear();
  observations_.clear();
}

std::vector<policy::Health> ClusterView::others(const std::string& target) const {
  std::vector<policy::Health> out;
  auto it = observations_.find(target);
  if (it == observations_.end()) return out;
  for (const auto& [node, state] : it->second)
    if (node != self_ && nodes_.count(node)) out.push_back(state);
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
  for (const auto& [name, info] : nodes_) out.push_back(info);
  return out;
}

std::vector<std::string> ClusterView::configMismatch(const std::string& digest) const {
  std::vector<std::string> out;
  for (const auto& [name, info] : nodes_)
    if (info.config_digest != digest) out.push_back(name);
  return out;
}

}  // namespace gtm::cluster
