#include "status/admin_store.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace gtm::status {
namespace {

const char* nameOf(AdminStore::State s) {
  switch (s) {
    case AdminStore::State::disabled: return "disabled";
    case AdminStore::State::drained: return "drained";
    default: return "enabled";
  }
}

}  // namespace

Result<Ok> AdminStore::load() {
  if (path_.empty()) return Ok{};
  std::ifstream in(path_);
  if (!in) return Ok{};  // no file yet: nothing overridden
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    std::lock_guard lock(mutex_);
    for (const auto& [name, state] : j.at("endpoints").items()) {
      std::string s = state.get<std::string>();
      states_[name] = s == "disabled" ? State::disabled : s == "drained" ? State::drained : State::enabled;
    }
  } catch (const std::exception& e) {
    return Error{"cannot read " + path_ + ": " + e.what()};
  }
  return Ok{};
}

Result<Ok> AdminStore::set(const std::string& name, State state) {
  std::lock_guard lock(mutex_);
  states_[name] = state;
  if (path_.empty()) return Ok{};
  nlohmann::json j;
  j["endpoints"] = nlohmann::json::object();
  for (const auto& [n, s] : states_) j["endpoints"][n] = nameOf(s);
  std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.flush()) return Error{"cannot write " + tmp};
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) return Error{"cannot replace " + path_};
  return Ok{};
}

AdminStore::State AdminStore::state(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(name);
  return it == states_.end() ? State::enabled : it->second;
}

void AdminStore::applyTo(const dns::Snapshot& snapshot) const {
  for (const policy::Profile& p : snapshot.profiles)
    for (const policy::Endpoint& e : p.endpoints)
      snapshot.health->setAdminDisabled(e.health_slot, state(p.name + "/" + e.name) != State::enabled);
}

}  // namespace gtm::status
