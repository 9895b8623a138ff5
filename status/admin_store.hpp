// The admin's overrides ("aovpn/east" disabled, "ikev2/rras1" drained), kept
// in a JSON file so that they survive a restart. An override takes effect
// only once it is on disk (a temporary file with a unique name, fsync,
// rename, fsync of the directory); a failed write changes nothing.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "dns/snapshot.hpp"

namespace gtm::status {

class AdminStore {
 public:
  // An empty path keeps the overrides in memory only.
  explicit AdminStore(std::string path) : path_(std::move(path)) {}

  enum class State { enabled, disabled, drained };
  [[nodiscard]] static const char* stateName(State s);
  [[nodiscard]] static std::optional<State> stateFrom(std::string_view name);

  // A missing file is no override; an unreadable or corrupt one an error
  // that names it (the daemons refuse to start unless --ignore-state).
  [[nodiscard]] Result<Ok> load();
  // Whether this process can replace the file (run after dropping root).
  [[nodiscard]] Result<Ok> checkWritable() const;
  // Records the state of "group/member" and saves the file.
  [[nodiscard]] Result<Ok> set(const std::string& name, State state);
  // Overrides from the cluster, saved in one write: `complete` replaces
  // every override with these (etcd is the truth while connected).
  [[nodiscard]] Result<Ok> merge(const std::map<std::string, State>& states, bool complete);
  // The same from the names etcd holds ("disabled", ...): true when
  // anything changed; a failed write is logged.
  bool mergeFromCluster(const std::map<std::string, std::string>& states, bool complete);
  // 16 hex digits that two nodes with the same overrides share.
  [[nodiscard]] std::string digest() const;
  [[nodiscard]] State state(const std::string& name) const;
  // gtm serve: disabled and drained endpoints leave the answers.
  void applyTo(const dns::Snapshot& snapshot) const;

 private:
  std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, State> states_;
};

}  // namespace gtm::status
