#include "dns/stat_ids.hpp"

#include <map>
#include <mutex>

namespace gtm::dns {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, uint32_t> ids[2];
  std::vector<std::string> names[2];
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

uint32_t statId(StatKind kind, const std::string& name) {
  Registry& r = registry();
  auto k = static_cast<size_t>(kind);
  uint32_t limit = kind == StatKind::zone ? kMaxStatZones : kMaxStatEndpoints;
  std::lock_guard lock(r.mutex);
  auto it = r.ids[k].find(name);
  if (it != r.ids[k].end()) return it->second;
  if (r.names[k].size() >= limit) return kNoStat;
  auto id = static_cast<uint32_t>(r.names[k].size());
  r.ids[k].emplace(name, id);
  r.names[k].push_back(name);
  return id;
}

std::vector<std::string> statNames(StatKind kind) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.names[static_cast<size_t>(kind)];
}

}  // namespace gtm::dns
