#include "common/json_text.hpp"
#include "lb/lb_status.hpp"

#include <sstream>

#include "monitor/engine.hpp"
#include "status/cluster_report.hpp"
#include "status/engine_report.hpp"

namespace gtm::lb {

std::string LbStatus::statusJson(const status::StatusQuery& query) {
  auto balancer = current_();
  nlohmann::json j;
  j["time"] = status::isoTime(std::chrono::system_clock::now());
  j["services"] = nlohmann::json::array();
  std::vector<monitor::Engine::CheckStatus> checks;
  if (balancer->engine()) checks = balancer->engine()->status();
  size_t matching = 0;
  for (const auto& s : balancer->report()) {
    if (!query.group.empty() && s.name != query.group) continue;
    size_t index = matching++;
    if (index < query.offset || index >= query.offset + query.limit) continue;
    nlohmann::json sj{{"name", s.name},       {"vip", s.vip},           {"protocol", s.protocol},
                      {"ports", s.ports},     {"table_size", s.table_size}, {"table_changes", s.table_changes},
                      {"reals", nlohmann::json::array()}};
    for (const auto& r : s.reals) {
      nlohmann::json rj{{"name", r.name},   {"address", r.address}, {"weight", r.weight},
                        {"state", r.state}, {"slots", r.slots},     {"checks", nlohmann::json::array()}};
      for (const auto& c : checks)
        if (c.endpoint == s.name + "/" + r.name) rj["checks"].push_back(status::checkJson(c, cluster_));
      sj["reals"].push_back(rj);
    }
    j["services"].push_back(sj);
  }
  j["total"] = matching;
  j["offset"] = query.offset;
  j["limit"] = query.limit;
  if (cluster_) j["cluster"] = status::clusterJson(*cluster_);
  j["events"] = balancer->engine() ? status::eventsJson(*balancer->engine()) : nlohmann::json::array();
  return jsonText(j);
}

std::string LbStatus::metricsText() {
  auto balancer = current_();
  std::ostringstream m;
  auto services = balancer->report();
  m << "# HELP gtm_lb_real_up 1 while the real server takes new clients.\n# TYPE gtm_lb_real_up gauge\n";
  for (const auto& s : services)
    for (const auto& r : s.reals)
      m << "gtm_lb_real_up{service=\"" << status::labelValue(s.name) << "\",real=\"" << status::labelValue(r.name)
        << "\"} " << (r.slots > 0 ? 1 : 0) << "\n";
  m << "# HELP gtm_lb_real_slots Slots of the service's Maglev table that map to the real server.\n"
       "# TYPE gtm_lb_real_slots gauge\n";
  for (const auto& s : services)
    for (const auto& r : s.reals)
      m << "gtm_lb_real_slots{service=\"" << status::labelValue(s.name) << "\",real=\"" << status::labelValue(r.name)
        << "\"} " << r.slots << "\n";
  m << "# HELP gtm_lb_table_changes_total Maglev table changes applied, by service.\n"
       "# TYPE gtm_lb_table_changes_total counter\n";
  for (const auto& s : services)
    m << "gtm_lb_table_changes_total{service=\"" << status::labelValue(s.name) << "\"} " << s.table_changes << "\n";
  m << "# HELP gtm_lb_moved_slots_total Table slots that changed real server, by service.\n"
       "# TYPE gtm_lb_moved_slots_total counter\n";
  for (const auto& s : services)
    m << "gtm_lb_moved_slots_total{service=\"" << status::labelValue(s.name) << "\"} " << s.moved_slots << "\n";
  if (balancer->engine()) status::appendProbeMetrics(m, *balancer->engine());
  status::appendBuildInfo(m);
  if (cluster_) status::appendClusterMetrics(m, *cluster_);
  return m.str();
}

status::ControlOutcome LbStatus::control(const std::string& service, const std::string& real,
                                         const std::string& action, const status::Actor&) {
  auto balancer = current_();
  if (!balancer->hasReal(service, real)) return {status::ControlOutcome::Kind::unknown, ""};
  auto state = action == "enable"    ? status::AdminStore::State::enabled
               : action == "disable" ? status::AdminStore::State::disabled
                                     : status::AdminStore::State::drained;
  std::string name = service + "/" + real;
  // In a cluster the action is written to etcd, and every balancer (this
  // one too) applies it from the watch; without etcd nothing changes.
  if (cluster_) {
    if (auto r = cluster_->setAdmin(name, status::AdminStore::stateName(state)); !r)
      return {status::ControlOutcome::Kind::unavailable, r.error()};
    return {};
  }
  if (auto r = admin_.set(name, state); !r) return {status::ControlOutcome::Kind::failed, r.error()};
  balancer->poke();
  return {};
}

}  // namespace gtm::lb
