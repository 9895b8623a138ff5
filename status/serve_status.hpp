// gtm serve's status: profiles (what each answers now), endpoints with their
// checks, query counters, and the admin's disable/enable/drain of endpoints.
#pragma once

#include <functional>
#include <memory>

#include "dns/query_stats.hpp"
#include "dns/snapshot.hpp"
#include "monitor/engine.hpp"
#include "status/admin_store.hpp"
#include "cluster/cluster_node.hpp"
#include "journal/answer_watch.hpp"
#include "journal/event_journal.hpp"
#include "xfr/transfer_service.hpp"
#include "status/status_provider.hpp"
#include "status/traffic_view.hpp"

namespace gtm::status {

struct ServeSources {
  std::function<std::shared_ptr<const dns::Snapshot>()> snapshot;
  std::function<std::shared_ptr<const monitor::Engine>()> engine;  // may return null
  std::function<dns::QueryTotals()> queries;
  std::function<std::pair<uint64_t, uint64_t>()> reloads;  // succeeded, failed
  std::function<uint64_t()> renewal_failures;              // DNSSEC re-signing that failed; may be empty
  // [status] endpoint_metrics: series per endpoint, or per profile only
  // (for configs of many thousands of endpoints).
  bool endpoint_metrics = true;
  // With [cluster]: admin actions go through etcd, and the status shows the
  // nodes. Null for a node on its own.
  cluster::ClusterNode* cluster = nullptr;
  // With zones that secondaries transfer: what each secondary did; may be
  // empty.
  std::function<std::vector<xfr::ZoneTransferReport>()> transfers;
  // The event journal and the profiles' headlines; may be null.
  journal::EventJournal* journal = nullptr;
  journal::AnswerWatch* answers = nullptr;
  // Traffic View (who is sent where); may be null.
  TrafficView* traffic = nullptr;
};

// Why an endpoint ("profile/endpoint") is not answered, for the headlines:
// the admin's override, or the reason of its first failing check.
[[nodiscard]] journal::WhyUnavailable whyUnavailable(const monitor::Engine* engine, const AdminStore& admin);

class ServeStatus : public StatusProvider {
 public:
  ServeStatus(ServeSources sources, AdminStore& admin) : sources_(std::move(sources)), admin_(admin) {}
  std::string statusJson(const StatusQuery& query) override;
  std::string metricsText() override;
  ControlOutcome control(const std::string& profile, const std::string& endpoint, const std::string& action,
                         const Actor& actor) override;
  Result<std::string> routeJson(const StatusQuery& query) override;
  journal::EventJournal* journal() override { return sources_.journal; }
  std::string overviewHtml() override;
  Result<std::string> trafficJson(const std::string& profile) override;

 private:
  ServeSources sources_;
  AdminStore& admin_;
};

}  // namespace gtm::status
