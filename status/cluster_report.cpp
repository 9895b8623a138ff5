#include "status/cluster_report.hpp"

#include "status/engine_report.hpp"

namespace gtm::status {

nlohmann::json clusterJson(const cluster::ClusterNode& c) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : c.nodes())
    nodes.push_back({{"name", n.name},
                     {"config_digest", n.config_digest},
                     {"version", n.version},
                     {"admin_digest", n.admin_digest},
                     {"live", n.live}});
  return {{"node", c.settings().node},
          {"connected", c.connected()},
          {"quorum", c.quorum()},
          {"problem", c.problem()},
          {"agreement", cluster::agreementName(c.settings().agreement)},
          {"config_digest", c.configDigest()},
          {"config_mismatch", c.configMismatch()},
          {"admin_mismatch", c.adminMismatch()},
          {"ignored_values", c.ignoredValues()},
          {"nodes", nodes}};
}

nlohmann::json checkJson(const monitor::Engine::CheckStatus& check, const cluster::ClusterNode* c) {
  nlohmann::json j = checkJson(check);
  if (!c) return j;
  j["nodes"] = nlohmann::json::object();  // each node's observation, next to the agreed state
  for (const auto& [node, seen] : c->observations(check.target)) j["nodes"][node] = policy::healthName(seen);
  return j;
}

void appendClusterMetrics(std::ostream& m, const cluster::ClusterNode& c) {
  m << "# HELP gtm_cluster_connected 1 while this node reaches etcd and answers by the nodes' agreement.\n"
       "# TYPE gtm_cluster_connected gauge\ngtm_cluster_connected "
    << (c.connected() ? 1 : 0) << "\n";
  m << "# HELP gtm_cluster_nodes Live nodes this node knows of, itself included.\n"
       "# TYPE gtm_cluster_nodes gauge\ngtm_cluster_nodes "
    << c.nodes().size() << "\n";
  m << "# HELP gtm_cluster_etcd_quorum 0 while etcd's last answer said it has no leader (or none came in time).\n"
       "# TYPE gtm_cluster_etcd_quorum gauge\ngtm_cluster_etcd_quorum "
    << (c.quorum() ? 1 : 0) << "\n";
  m << "# HELP gtm_cluster_ignored_values_total Values under the cluster's etcd prefix ignored because they did not decode.\n"
       "# TYPE gtm_cluster_ignored_values_total counter\ngtm_cluster_ignored_values_total "
    << c.ignoredValues() << "\n";
  m << "# HELP gtm_cluster_admin_mismatch Nodes whose admin state differs from this node's.\n"
       "# TYPE gtm_cluster_admin_mismatch gauge\ngtm_cluster_admin_mismatch "
    << c.adminMismatch().size() << "\n";
  m << "# HELP gtm_cluster_config_mismatch Live nodes whose config differs from this node's.\n"
       "# TYPE gtm_cluster_config_mismatch gauge\ngtm_cluster_config_mismatch "
    << c.configMismatch().size() << "\n";
}

}  // namespace gtm::status
