// gtm lb's status: services with their real servers (state, weight, share of
// the Maglev table), the checks, table changes, and the admin's drain,
// disable and enable of real servers.
#pragma once

#include <functional>
#include <memory>

#include "cluster/cluster_node.hpp"
#include "lb/balancer.hpp"
#include "status/admin_store.hpp"
#include "status/status_provider.hpp"

namespace gtm::lb {

class LbStatus : public status::StatusProvider {
 public:
  // `current` returns the running balancer (a reload replaces it);
  // `cluster` (may be null) is this balancer's cluster membership: admin
  // actions go to etcd first, and the report shows the nodes.
  LbStatus(std::function<std::shared_ptr<Balancer>()> current, status::AdminStore& admin,
           cluster::ClusterNode* cluster = nullptr)
      : current_(std::move(current)), admin_(admin), cluster_(cluster) {}
  std::string statusJson(const status::StatusQuery& query) override;
  std::string metricsText() override;
  status::ControlOutcome control(const std::string& service, const std::string& real,
                                 const std::string& action, const status::Actor& actor) override;

 private:
  std::function<std::shared_ptr<Balancer>()> current_;
  status::AdminStore& admin_;
  cluster::ClusterNode* cluster_;
};

}  // namespace gtm::lb
