// What gtm serve and gtm lb share as cluster members: their [cluster]
// settings as the cluster node takes them, and the digest of the config
// that every node must run alike.
#pragma once

#include <string>

#include "cluster/cluster_node.hpp"
#include "config/config.hpp"

namespace gtm::cli {

// The digest (16 hex digits of SHA-256) of the config file without what is
// each node's own ([dns], [status], [log], [cluster], [lb], and each
// [[monitor]]'s source): nodes that listen and probe from their own
// addresses still agree, nodes with another zone, profile, monitor or
// service do not. docs/cluster.md lists these.
[[nodiscard]] std::string configDigest(const std::string& path);

[[nodiscard]] cluster::NodeSettings clusterSettings(const config::Config& cfg);

}  // namespace gtm::cli
