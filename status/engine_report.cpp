#include "status/engine_report.hpp"

#include <ctime>
#include <sstream>

#include "common/build_info.hpp"

namespace gtm::status {

std::string isoTime(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return "";
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string labelValue(const std::string& v) {
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

nlohmann::json checkJson(const monitor::Engine::CheckStatus& c) {
  nlohmann::json cj{{"monitor", c.monitor},
                    {"address", c.address},
                    {"state", policy::healthName(c.state)},     // this node's own observation
                    {"agreed", policy::healthName(c.agreed)},   // what the answers follow
                    {"latency_ms", static_cast<double>(c.last.latency.count()) / 1000.0},
                    {"reason", c.last.reason},
                    {"since", isoTime(c.last_change)}};
  if (c.last.http_status) cj["http_status"] = c.last.http_status;
  if (!c.last.tls_version.empty()) cj["tls_version"] = c.last.tls_version;
  if (!c.last.cert_subject.empty()) cj["cert_subject"] = c.last.cert_subject;
  if (c.last.cert_days_left) cj["cert_days_left"] = *c.last.cert_days_left;
  if (!c.last.warning.empty()) cj["warning"] = c.last.warning;
  if (c.last.revocation_ok) cj["revocation_ok"] = *c.last.revocation_ok;
  if (c.last.crl_seconds_left) cj["crl_seconds_left"] = static_cast<long long>(*c.last.crl_seconds_left);
  if (!c.last.details.empty()) {
    nlohmann::json details = nlohmann::json::object();
    for (const auto& [key, value] : c.last.details) details[key] = value;
    cj["details"] = details;
  }
  return cj;
}

nlohmann::json eventsJson(const monitor::Engine& engine) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& ev : engine.recentEvents())
    out.push_back({{"time", isoTime(ev.when)},
                   {"endpoint", ev.endpoint},
                   {"monitor", ev.monitor},
                   {"from", policy::healthName(ev.from)},
                   {"to", policy::healthName(ev.to)},
                   {"reason", ev.reason}});
  return out;
}

void appendBuildInfo(std::ostream& m) {
  m << "# HELP gtm_build_info The running gtm's version and the git description it was built from.\n"
       "# TYPE gtm_build_info gauge\ngtm_build_info{version=\"" << labelValue(version()) << "\",git=\""
    << labelValue(gitDescribe()) << "\"} 1\n";
}

void appendProbeMetrics(std::ostream& m, const monitor::Engine& engine) {
  m << "# HELP gtm_probe_duration_seconds Probe latency by monitor.\n# TYPE gtm_probe_duration_seconds histogram\n";
  auto latencies = engine.latencies();
  for (const auto& l : latencies) {
    uint64_t cumulative = 0;
    std::string mon = labelValue(l.monitor);
    for (size_t b = 0; b < monitor::Engine::kLatencyBuckets.size(); ++b) {
      cumulative += l.buckets[b];
      m << "gtm_probe_duration_seconds_bucket{monitor=\"" << mon << "\",le=\"" << monitor::Engine::kLatencyBuckets[b]
        << "\"} " << cumulative << "\n";
    }
    m << "gtm_probe_duration_seconds_bucket{monitor=\"" << mon << "\",le=\"+Inf\"} " << l.count << "\n";
    m << "gtm_probe_duration_seconds_sum{monitor=\"" << mon << "\"} " << l.sum << "\n";
    m << "gtm_probe_duration_seconds_count{monitor=\"" << mon << "\"} " << l.count << "\n";
  }
  m << "# HELP gtm_probe_failures_total Probes that failed, by monitor.\n# TYPE gtm_probe_failures_total counter\n";
  for (const auto& l : latencies)
    m << "gtm_probe_failures_total{monitor=\"" << labelValue(l.monitor) << "\"} " << l.failures << "\n";
  // Certificates seen by TLS probes: days left, and whether that is within
  // the monitor's warn_cert_days (or past), for alerting.
  auto checks = engine.status();
  m << "# HELP gtm_probe_certificate_days_left Days until the certificate a TLS check saw expires.\n"
       "# TYPE gtm_probe_certificate_days_left gauge\n";
  std::ostringstream expiring;
  for (const auto& c : checks) {
    if (!c.last.cert_days_left) continue;
    std::string labels = "monitor=\"" + labelValue(c.monitor) + "\",address=\"" + labelValue(c.address) + "\"";
    m << "gtm_probe_certificate_days_left{" << labels << "} " << *c.last.cert_days_left << "\n";
    bool warned = c.last.warning.rfind("certificate ", 0) == 0;
    expiring << "gtm_probe_certificate_expiring{" << labels << "} " << (warned ? 1 : 0) << "\n";
  }
  m << "# HELP gtm_probe_certificate_expiring 1 when the certificate expires within the monitor's warn_cert_days "
       "or has expired.\n# TYPE gtm_probe_certificate_expiring gauge\n"
    << expiring.str();
  // CRLs read by crl monitors and revocation checks: how long until each
  // one's nextUpdate (the soonest of a chain's); whether a check's chain
  // would pass a Windows client's revocation check.
  auto perCheck = [&](const char* name, const char* help, auto value) {
    m << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
    for (const auto& c : checks)
      if (auto v = value(c.last))
        m << name << "{monitor=\"" << labelValue(c.monitor) << "\",address=\"" << labelValue(c.address) << "\"} " << *v
          << "\n";
  };
  perCheck("gtm_probe_crl_seconds_left",
           "Seconds until the nextUpdate of the CRL a check read (the soonest of a chain's; negative: expired, "
           "Windows clients then fail with 0x80092013).",
           [](const monitor::ProbeResult& r) -> std::optional<long long> {
             if (!r.crl_seconds_left) return std::nullopt;
             return static_cast<long long>(*r.crl_seconds_left);
           });
  perCheck("gtm_probe_revocation_ok",
           "1 when each certificate of the chain a check saw passes revocation checking as Windows does it "
           "(check_revocation), 0 when clients would refuse it.",
           [](const monitor::ProbeResult& r) -> std::optional<int> {
             if (!r.revocation_ok) return std::nullopt;
             return *r.revocation_ok ? 1 : 0;
           });
  m << "# HELP gtm_state_transitions_total State changes of checks and endpoints.\n"
       "# TYPE gtm_state_transitions_total counter\ngtm_state_transitions_total "
    << engine.transitions() << "\n";
}

}  // namespace gtm::status
