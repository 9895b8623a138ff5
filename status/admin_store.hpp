// The admin's overrides ("aovpn/east" disabled), kept in a JSON file so that
// they survive a restart (written atomically: a temporary file, then a
// rename), and applied to every snapshot's health table by endpoint name.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "common/result.hpp"
#include "dns/snapshot.hpp"

namespace gtm::status {

class AdminStore {
 public:
  // An empty path keeps the overrides in memory only.
  explicit AdminStore(std::string path) : path_(std::move(path)) {}

  [[nodiscard]] Result<Ok> load();
  // "disabled" or "enabled" for "profile/endpoint"; saves the file.
  [[nodiscard]] Result<Ok> set(const std::string& endpoint, bool disabled);
  void applyTo(const dns::Snapshot& snapshot) const;
  [[nodiscard]] bool disabled(const std::string& endpoint) const;

 private:
  std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, bool> disabled_;
};

}  // namespace gtm::status
