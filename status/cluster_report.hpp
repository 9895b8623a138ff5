// The parts of a status report that come from this node's cluster
// membership, shared by gtm serve's and gtm lb's reports: the cluster
// section of /api/v1/status, each node's observation of a check, and the
// gtm_cluster_* metrics.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "cluster/cluster_node.hpp"
#include "monitor/engine.hpp"

namespace gtm::status {

// This node, whether it reaches etcd, the agreement rule, the live nodes
// with their config digests, and those whose config differs.
[[nodiscard]] nlohmann::json clusterJson(const cluster::ClusterNode& c);
// A check's JSON (checkJson) with "nodes": every live node's state of it.
[[nodiscard]] nlohmann::json checkJson(const monitor::Engine::CheckStatus& check, const cluster::ClusterNode* c);
void appendClusterMetrics(std::ostream& out, const cluster::ClusterNode& c);

}  // namespace gtm::status
