// The overview at the top of the status page, drawn on the server so that
// it reads without JavaScript: one headline per profile (problems first,
// the rest folded away past 20 profiles), each endpoint's last 24 hours as
// a strip with its certificate's days left and latency, the cluster's
// nodes, the latest events, and forms for the event filter and the route
// of an address.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/cluster_node.hpp"
#include "dns/snapshot.hpp"
#include "journal/event_journal.hpp"
#include "journal/headline.hpp"
#include "monitor/engine.hpp"

namespace gtm::status {

struct OverviewInputs {
  const dns::Snapshot* snapshot = nullptr;
  std::vector<journal::Headline> headlines;
  std::vector<monitor::Engine::CheckStatus> checks;
  std::function<std::string(const std::string& endpoint)> admin_state;  // "enabled", "drained", "disabled"
  const journal::EventJournal* journal = nullptr;
  const cluster::ClusterNode* cluster = nullptr;
  int64_t now_ms = 0;
  // Traffic View's report of a profile (status/traffic_view.hpp); may be empty.
  std::function<std::optional<nlohmann::json>(const std::string& profile)> traffic;
};

[[nodiscard]] std::string overviewHtml(const OverviewInputs& in);

}  // namespace gtm::status
