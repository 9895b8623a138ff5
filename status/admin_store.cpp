#include "status/admin_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/hash.hpp"
#include "common/log.hpp"
#include "common/small_file.hpp"

namespace gtm::status {
namespace {

std::string systemError(const std::string& what) { return what + ": " + std::strerror(errno); }

// Writes `text` to `path` so that a crash at any point leaves either the old
// file or the new one, whole: a temporary file with a unique name in the
// same directory, fsync, rename over the old one, fsync of the directory.
Result<Ok> writeDurably(const std::string& path, const std::string& text) {
  std::filesystem::path target(path);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string tmp = dir + "/." + target.filename().string() + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Error{systemError("cannot create a temporary file in " + dir)};
  auto fail = [&](const std::string& what) -> Result<Ok> {
    Error e{systemError(what)};
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write " + tmp);
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) return fail("cannot sync " + tmp);
  if (::close(fd) != 0) {
    fd = -1;
    return fail("cannot close " + tmp);
  }
  fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot replace " + path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || ::fsync(dfd) != 0) {
    Error e{systemError("cannot sync the directory " + dir)};
    if (dfd >= 0) ::close(dfd);
    return e;
  }
  ::close(dfd);
  return Ok{};
}

}  // namespace

const char* AdminStore::stateName(State s) {
  switch (s) {
    case State::disabled: return "disabled";
    case State::drained: return "drained";
    default: return "enabled";
  }
}

std::optional<AdminStore::State> AdminStore::stateFrom(std::string_view name) {
  if (name == "enabled") return State::enabled;
  if (name == "disabled") return State::disabled;
  if (name == "drained") return State::drained;
  return std::nullopt;
}

Result<Ok> AdminStore::load() {
  if (path_.empty()) return Ok{};
  if (::access(path_.c_str(), F_OK) != 0 && errno == ENOENT) return Ok{};  // no file yet: nothing overridden
  auto text = readSmallFile(path_);
  if (!text) return Error{"state_file " + text.error()};
  std::map<std::string, State> states;
  try {
    nlohmann::json j = nlohmann::json::parse(*text);
    for (const auto& [name, value] : j.at("endpoints").items()) {
      std::string s = value.get<std::string>();
      auto state = stateFrom(s);
      if (!state) throw std::runtime_error("\"" + name + "\" has the unknown state \"" + s + "\"");
      states[name] = *state;
    }
  } catch (const std::exception& e) {
    return Error{"state_file \"" + path_ + "\" is corrupt (" + e.what() +
                 "); fix or remove it, or start with --ignore-state to drop every admin override"};
  }
  std::lock_guard lock(mutex_);
  states_ = std::move(states);
  return Ok{};
}

Result<Ok> AdminStore::set(const std::string& name, State state) { return merge({{name, state}}, false); }

Result<Ok> AdminStore::merge(const std::map<std::string, State>& states, bool complete) {
  std::lock_guard lock(mutex_);
  std::map<std::string, State> next = complete ? std::map<std::string, State>{} : states_;
  for (const auto& [name, state] : states) next[name] = state;
  // Enabled is no override: not kept, so that a deleted override and an
  // enabled one read alike.
  std::erase_if(next, [](const auto& kv) { return kv.second == State::enabled; });
  if (next == states_) return Ok{};
  if (!path_.empty()) {
    nlohmann::json j;
    j["endpoints"] = nlohmann::json::object();
    for (const auto& [n, s] : next) j["endpoints"][n] = stateName(s);
    // Written before it takes effect: a failed write changes nothing.
    auto text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (auto r = writeDurably(path_, text); !r) return Error{"admin state not saved: " + r.error()};
  }
  states_ = std::move(next);
  return Ok{};
}

bool AdminStore::mergeFromCluster(const std::map<std::string, std::string>& states, bool complete) {
  std::map<std::string, State> next;
  for (const auto& [name, state] : states)
    if (auto s = stateFrom(state)) next[name] = *s;
  std::string before = digest();
  if (auto r = merge(next, complete); !r) log::error("admin state from etcd not saved locally", {{"error", r.error()}});
  return digest() != before;
}

std::string AdminStore::digest() const {
  std::lock_guard lock(mutex_);
  Fnv1a h;
  for (const auto& [name, state] : states_) h.add(name).add(uint8_t{0}).add(stateName(state)).add(uint8_t{0});
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h.finish()));
  return hex;
}

Result<Ok> AdminStore::checkWritable() const {
  if (path_.empty()) return Ok{};
  std::filesystem::path target(path_);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  // A new file is made beside the old one and renamed over it: the
  // directory must be writable, not only the file.
  if (::access(dir.c_str(), W_OK | X_OK) == 0) return Ok{};
  return Error{systemError("state_file " + path_ + ": directory " + dir + " not writable by this user") +
               "; create it for the user gtm runs as (install -d -o USER " + dir + ")"};
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
