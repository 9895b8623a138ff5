#include "status/status_report.hpp"

#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policy/router.hpp"

namespace gtm::status {
namespace {

std::string iso(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return "";
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// What the profile answers right now for a client that no subnet singles out.
nlohmann::json currentAnswer(const dns::Snapshot& snap, size_t profile) {
  policy::ClientView client;
  policy::Decision d;
  policy::decide(snap.profiles, profile, *snap.health, client, d);
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < d.count; ++i)
    for (const auto* list : {&d.endpoints[i]->v4, &d.endpoints[i]->v6})
      for (const IpAddress& ip : *list) out.push_back(ip.toString());
  return out;
}

std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string statusJson(const Sources& s) {
  auto snap = s.snapshot();
  auto engine = s.engine();
  std::vector<monitor::Engine::CheckStatus> checks;
  if (engine) checks = engine->status();
  nlohmann::json j;
  j["time"] = iso(std::chrono::system_clock::now());
  j["profiles"] = nlohmann::json::array();
  for (size_t pi = 0; pi < snap->profiles.size(); ++pi) {
    const policy::Profile& p = snap->profiles[pi];
    nlohmann::json pj{{"name", p.name},          {"fqdn", p.fqdn},
                      {"routing", policy::routingName(p.routing)}, {"ttl", p.ttl},
                      {"answer", currentAnswer(*snap, pi)},      {"endpoints", nlohmann::json::array()}};
    for (const policy::Endpoint& e : p.endpoints) {
      std::string name = p.name + "/" + e.name;
      bool admin_off = snap->health->adminDisabled(e.health_slot);
      std::string state = !e.enabled || admin_off ? "Disabled" : std::string(policy::healthName(snap->health->get(e.health_slot)));
      nlohmann::json ej{{"name", e.name},           {"priority", e.priority},
                        {"weight", e.weight},       {"enabled", e.enabled},
                        {"admin_disabled", admin_off}, {"state", state},
                        {"targets", nlohmann::json::array()}, {"checks", nlohmann::json::array()}};
      if (e.child >= 0) ej["profile"] = snap->profiles[static_cast<size_t>(e.child)].name;
      for (const auto* list : {&e.v4, &e.v6})
        for (const IpAddress& ip : *list) ej["targets"].push_back(ip.toString());
      for (const auto& c : checks) {
        if (c.endpoint != name) continue;
        nlohmann::json cj{{"monitor", c.monitor},
                          {"address", c.address},
                          {"state", policy::healthName(c.state)},
                          {"latency_ms", static_cast<double>(c.last.latency.count()) / 1000.0},
                          {"reason", c.last.reason},
                          {"since", iso(c.last_change)}};
        if (c.last.http_status) cj["http_status"] = c.last.http_status;
        if (!c.last.tls_version.empty()) cj["tls_version"] = c.last.tls_version;
        if (!c.last.cert_subject.empty()) cj["cert_subject"] = c.last.cert_subject;
        if (c.last.cert_days_left) cj["cert_days_left"] = *c.last.cert_days_left;
        if (!c.last.warning.empty()) cj["warning"] = c.last.warning;
        ej["checks"].push_back(cj);
      }
      pj["endpoints"].push_back(ej);
    }
    j["profiles"].push_back(pj);
  }
  j["events"] = nlohmann::json::array();
  if (engine)
    for (const auto& ev : engine->recentEvents())
      j["events"].push_back({{"time", iso(ev.when)},
                             {"endpoint", ev.endpoint},
                             {"monitor", ev.monitor},
                             {"from", policy::healthName(ev.from)},
                             {"to", policy::healthName(ev.to)},
                             {"reason", ev.reason}});
  return j.dump();
}

std::string metricsText(const Sources& s) {
  std::ostringstream m;
  auto snap = s.snapshot();
  auto engine = s.engine();
  dns::QueryTotals q = s.queries();
  static const char* kRcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  m << "# HELP gtm_dns_queries_total DNS queries answered, by query type.\n# TYPE gtm_dns_queries_total counter\n";
  for (size_t i = 0; i < q.by_type.size(); ++i) {
    std::string type = i < dns::QueryStats::kTypes.size() ? std::string(dns::QueryStats::kTypes[i].second) : "other";
    m << "gtm_dns_queries_total{type=\"" << type << "\"} " << q.by_type[i] << "\n";
  }
  m << "# HELP gtm_dns_responses_total DNS responses sent, by rcode.\n# TYPE gtm_dns_responses_total counter\n";
  for (size_t i = 0; i < q.by_rcode.size(); ++i) {
    if (i >= 6 && i != dns::QueryStats::kBadvers) continue;
    std::string rcode = i < 6 ? kRcodes[i] : "BADVERS";
    m << "gtm_dns_responses_total{rcode=\"" << rcode << "\"} " << q.by_rcode[i] << "\n";
  }
  m << "# HELP gtm_dns_dropped_total Packets that were not queries and got no answer.\n"
       "# TYPE gtm_dns_dropped_total counter\ngtm_dns_dropped_total "
    << q.dropped << "\n";
  m << "# HELP gtm_dns_truncated_total Responses sent with TC set.\n# TYPE gtm_dns_truncated_total counter\n"
       "gtm_dns_truncated_total "
    << q.truncated << "\n";
  m << "# HELP gtm_endpoint_up 1 while the endpoint may be answered (not Degraded, not disabled).\n"
       "# TYPE gtm_endpoint_up gauge\n";
  std::ostringstream states;
  states << "# HELP gtm_endpoint_state The endpoint's monitor state, one series per state.\n"
            "# TYPE gtm_endpoint_state gauge\n";
  for (const policy::Profile& p : snap->profiles)
    for (const policy::Endpoint& e : p.endpoints) {
      std::string labels = "profile=\"" + label(p.name) + "\",endpoint=\"" + label(e.name) + "\"";
      policy::Health h = snap->health->get(e.health_slot);
      bool disabled = !e.enabled || snap->health->adminDisabled(e.health_slot);
      m << "gtm_endpoint_up{" << labels << "} " << (!disabled && h != policy::Health::degraded ? 1 : 0) << "\n";
      for (policy::Health st : {policy::Health::checking, policy::Health::online, policy::Health::degraded,
                                policy::Health::unmonitored})
        states << "gtm_endpoint_state{" << labels << ",state=\"" << policy::healthName(st) << "\"} "
               << (h == st ? 1 : 0) << "\n";
      states << "gtm_endpoint_state{" << labels << ",state=\"Disabled\"} " << (disabled ? 1 : 0) << "\n";
    }
  m << states.str();
  if (engine) {
    m << "# HELP gtm_probe_duration_seconds Probe latency by monitor.\n# TYPE gtm_probe_duration_seconds histogram\n";
    for (const auto& l : engine->latencies()) {
      uint64_t cumulative = 0;
      for (size_t b = 0; b < monitor::Engine::kLatencyBuckets.size(); ++b) {
        cumulative += l.buckets[b];
        m << "gtm_probe_duration_seconds_bucket{monitor=\"" << label(l.monitor) << "\",le=\""
          << monitor::Engine::kLatencyBuckets[b] << "\"} " << cumulative << "\n";
      }
      m << "gtm_probe_duration_seconds_bucket{monitor=\"" << label(l.monitor) << "\",le=\"+Inf\"} " << l.count << "\n";
      m << "gtm_probe_duration_seconds_sum{monitor=\"" << label(l.monitor) << "\"} " << l.sum << "\n";
      m << "gtm_probe_duration_seconds_count{monitor=\"" << label(l.monitor) << "\"} " << l.count << "\n";
    }
    m << "# HELP gtm_probe_failures_total Probes that failed, by monitor.\n# TYPE gtm_probe_failures_total counter\n";
    for (const auto& l : engine->latencies())
      m << "gtm_probe_failures_total{monitor=\"" << label(l.monitor) << "\"} " << l.failures << "\n";
    m << "# HELP gtm_state_transitions_total State changes of checks and endpoints.\n"
         "# TYPE gtm_state_transitions_total counter\ngtm_state_transitions_total "
      << engine->transitions() << "\n";
  }
  auto [ok, failed] = s.reloads();
  m << "# HELP gtm_reloads_total Config reloads, by result.\n# TYPE gtm_reloads_total counter\n"
    << "gtm_reloads_total{result=\"ok\"} " << ok << "\ngtm_reloads_total{result=\"failed\"} " << failed << "\n";
  return m.str();
}

}  // namespace gtm::status
