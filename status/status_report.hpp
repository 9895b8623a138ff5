// What the status page, the JSON API and the metrics show, gathered from the
// running server: the snapshot (profiles, endpoints, what they answer now),
// the monitor engine (checks, latencies, recent changes), the query counters
// and the admin's overrides.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "dns/query_stats.hpp"
#include "dns/snapshot.hpp"
#include "monitor/engine.hpp"
#include "status/admin_store.hpp"

namespace gtm::status {

struct Sources {
  std::function<std::shared_ptr<const dns::Snapshot>()> snapshot;
  std::function<std::shared_ptr<const monitor::Engine>()> engine;  // may return null
  std::function<dns::QueryTotals()> queries;
  std::function<std::pair<uint64_t, uint64_t>()> reloads;  // succeeded, failed
  const AdminStore* admin = nullptr;
};

// GET /api/v1/status
[[nodiscard]] std::string statusJson(const Sources& s);
// GET /metrics, Prometheus text format 0.0.4
[[nodiscard]] std::string metricsText(const Sources& s);

}  // namespace gtm::status
