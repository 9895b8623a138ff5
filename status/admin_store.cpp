#include "status/admin_store.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace gtm::status {

Result<Ok> AdminStore::load() {
  if (path_.empty()) return Ok{};
  std::ifstream in(path_);
  if (!in) return Ok{};  // no file yet: nothing overridden
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    std::lock_guard lock(mutex_);
    for (const auto& [name, state] : j.at("endpoints").items()) disabled_[name] = state.get<std::string>() == "disabled";
  } catch (const std::exception& e) {
    return Error{"cannot read " + path_ + ": " + e.what()};
  }
  return Ok{};
}

Result<Ok> AdminStore::set(const std::string& endpoint, bool disabled) {
  std::lock_guard lock(mutex_);
  disabled_[endpoint] = disabled;
  if (path_.empty()) return Ok{};
  nlohmann::json j;
  j["endpoints"] = nlohmann::json::object();
  for (const auto& [name, off] : disabled_) j["endpoints"][name] = off ? "disabled" : "enabled";
  std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.flush()) return Error{"cannot write " + tmp};
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) return Error{"cannot replace " + path_};
  return Ok{};
}

void AdminStore::applyTo(const dns::Snapshot& snapshot) const {
  std::lock_guard lock(mutex_);
  for (const policy::Profile& p : snapshot.profiles)
    for (const policy::Endpoint& e : p.endpoints) {
      auto it = disabled_.find(p.name + "/" + e.name);
      snapshot.health->setAdminDisabled(e.health_slot, it != disabled_.end() && it->second);
    }
}

bool AdminStore::disabled(const std::string& endpoint) const {
  std::lock_guard lock(mutex_);
  auto it = disabled_.find(endpoint);
  return it != disabled_.end() && it->second;
}

}  // namespace gtm::status
