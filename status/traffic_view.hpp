// Traffic View: per profile and endpoint, the answers of the last hour by
// client network (IPv4 /24, IPv6 /48; the ECS source when there was one,
// else the resolver) and, with [geoip], by country. Every 5 s a thread of
// its own switches each query thread's TrafficCounter and adds what it
// counted to the current 5-minute bucket; twelve buckets make the hour.
// Bounded: at most kMaxPairs pairs per bucket, the rest counted as "other
// networks" from the endpoints' answer counters.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/periodic_thread.hpp"
#include "dns/query_stats.hpp"
#include "dns/snapshot.hpp"

namespace gtm::status {

class TrafficView {
 public:
  static constexpr size_t kBuckets = 12;
  static constexpr std::chrono::minutes kBucketLength{5};
  static constexpr size_t kMaxPairs = 200000;
  static constexpr size_t kTopNetworks = 20;

  using EachThread = std::function<void(const std::function<void(const dns::QueryStats&)>&)>;
  TrafficView(EachThread each_thread, std::function<dns::QueryTotals()> totals,
              std::function<std::shared_ptr<const dns::Snapshot>()> snapshot);
  ~TrafficView();
  void start();  // collects every 5 s
  void stop();
  void collect();  // one collection now (report() also makes one when the last is over 250 ms old)

  // {"profile": P, "window_seconds": ..., "endpoints": [{"name", "answers",
  // "networks": [{"network", "answers", "country"}], "other_networks",
  // "countries": {"DE": n}}]}; nullopt: no such profile.
  [[nodiscard]] std::optional<nlohmann::json> report(const std::string& profile);
  // "198.51.100.0/24", "2001:db8:1::/48".
  [[nodiscard]] static std::string networkText(uint64_t key);

 private:
  struct Window {
    int64_t start = -1;  // bucket start, minutes since the epoch
    std::map<std::pair<uint32_t, uint64_t>, uint64_t> pairs;  // (stat id, network) -> answers
    std::map<uint32_t, uint64_t> answers;                     // stat id -> all its answers
  };
  Window& current(int64_t now_minute);

  EachThread each_thread_;
  std::function<dns::QueryTotals()> totals_;
  std::function<std::shared_ptr<const dns::Snapshot>()> snapshot_;
  std::mutex collect_mutex_;  // one collection at a time (a flip each)
  std::chrono::steady_clock::time_point collected_{};
  mutable std::mutex mutex_;
  std::array<Window, kBuckets> windows_;
  std::vector<uint64_t> last_answers_;  // the answer counters at the last collection
  PeriodicThread thread_;  // last: stopped before the rest goes
};

}  // namespace gtm::status
