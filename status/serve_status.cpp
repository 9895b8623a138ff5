#include "common/json_text.hpp"
#include "status/serve_status.hpp"

#include <ctime>
#include <map>
#include <sstream>
#include <unordered_map>

#include "common/log.hpp"
#include "dns/route_explainer.hpp"
#include "dns/stat_ids.hpp"
#include "policy/router.hpp"
#include "status/cluster_report.hpp"
#include "status/engine_report.hpp"
#include "status/overview_page.hpp"

namespace gtm::status {
namespace {

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

}  // namespace

Result<std::string> ServeStatus::routeJson(const StatusQuery& query) {
  auto client = dns::parseClient(query.address);
  if (!client) return Error{"\"" + query.address + "\" is not an address or ADDRESS/PREFIX"};
  auto r = dns::explainRoute(*sources_.snapshot(), query.group, *client);
  if (!r) return Error{"no profile " + query.group};
  return nlohmann::json{{"profile", query.group},
                        {"address", client->toString()},
                        {"answer", r->answers},
                        {"why", r->why},
                        {"scope_prefix", r->scope_prefix}}
      .dump();
}

namespace {

// Per transferred zone: the serial served, the journal, each secondary's
// last transfer and lag, each NOTIFY's fate.
nlohmann::json transfersJson(const std::vector<xfr::ZoneTransferReport>& reports) {
  auto when = [](std::time_t t) { return t ? isoTime(std::chrono::system_clock::from_time_t(t)) : std::string(); };
  nlohmann::json out = nlohmann::json::array();
  for (const xfr::ZoneTransferReport& r : reports) {
    nlohmann::json zj{{"zone", r.zone},          {"serial", r.serial},
                      {"zone_bytes", r.zone_bytes}, {"journal", r.journal},
                      {"journal_capacity", r.journal_capacity}};
    zj["secondaries"] = nlohmann::json::array();
    for (const xfr::PeerTransfer& p : r.peers)
      zj["secondaries"].push_back({{"peer", p.peer},
                                   {"last", p.type},
                                   {"serial", p.serial},
                                   {"asked_serial", p.asked_serial},
                                   {"bytes", p.bytes},
                                   {"time", when(p.when)},
                                   {"lag_seconds", p.lag_seconds}});
    zj["notify"] = nlohmann::json::array();
    for (const xfr::NotifyStatus& n : r.notifies)
      zj["notify"].push_back({{"target", n.target},
                              {"serial", n.serial},
                              {"tries", n.tries},
                              {"answered", n.answered},
                              {"result", n.result},
                              {"last_sent", when(n.last_sent)}});
    out.push_back(zj);
  }
  return out;
}

void appendTransferMetrics(std::ostringstream& m, const std::vector<xfr::ZoneTransferReport>& reports) {
  m << "# HELP gtm_transfers_total Zone transfers answered (and refused), by type and secondary.\n"
       "# TYPE gtm_transfers_total counter\n";
  for (const xfr::ZoneTransferReport& r : reports)
    for (const auto& [key, count] : r.transfers)
      m << "gtm_transfers_total{zone=\"" << labelValue(r.zone) << "\",type=\"" << labelValue(key.second)
        << "\",peer=\"" << labelValue(key.first) << "\"} " << count << "\n";
  m << "# HELP gtm_notify_total NOTIFY messages that ended, by secondary and result (answered, failed).\n"
       "# TYPE gtm_notify_total counter\n";
  for (const xfr::ZoneTransferReport& r : reports)
    for (const auto& [key, count] : r.notify_outcomes)
      m << "gtm_notify_total{zone=\"" << labelValue(r.zone) << "\",peer=\"" << labelValue(key.first)
        << "\",result=\"" << labelValue(key.second) << "\"} " << count << "\n";
  m << "# HELP gtm_secondary_serial_lag How long, in seconds, a secondary has lacked the serial gtm serves (0: up "
       "to date).\n# TYPE gtm_secondary_serial_lag gauge\n";
  for (const xfr::ZoneTransferReport& r : reports)
    for (const xfr::PeerTransfer& p : r.peers)
      m << "gtm_secondary_serial_lag{zone=\"" << labelValue(r.zone) << "\",peer=\"" << labelValue(p.peer) << "\"} "
        << p.lag_seconds << "\n";
  m << "# HELP gtm_zone_serial The SOA serial each transferred zone has.\n# TYPE gtm_zone_serial gauge\n";
  for (const xfr::ZoneTransferReport& r : reports)
    m << "gtm_zone_serial{zone=\"" << labelValue(r.zone) << "\"} " << r.serial << "\n";
}

}  // namespace

std::string ServeStatus::statusJson(const StatusQuery& query) {
  const ServeSources& s = sources_;
  auto snap = s.snapshot();
  auto engine = s.engine();
  // The checks by endpoint, once: not a scan of every check per endpoint.
  std::unordered_map<std::string, std::vector<monitor::Engine::CheckStatus>> checks;
  if (engine)
    for (auto& c : engine->status()) checks[c.endpoint].push_back(std::move(c));
  nlohmann::json j;
  j["time"] = isoTime(std::chrono::system_clock::now());
  j["profiles"] = nlohmann::json::array();
  size_t matching = 0;
  for (size_t pi = 0; pi < snap->profiles.size(); ++pi) {
    const policy::Profile& p = snap->profiles[pi];
    if (!query.group.empty() && p.name != query.group) continue;
    size_t index = matching++;
    if (index < query.offset || index >= query.offset + query.limit) continue;
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
      if (p.routing == policy::Routing::geographic) {
        ej["regions"] = nlohmann::json::array();
        for (const policy::Region& r : e.regions) ej["regions"].push_back(policy::regionName(r));
        if (e.geo_fallback) ej["fallback"] = true;
      }
      if (e.has_location) ej["location"] = {{"lat", e.location.lat}, {"lon", e.location.lon}};
      if (p.weight_from != policy::WeightFrom::none) {
        ej["effective_weight"] = static_cast<double>(policy::effectiveWeight(p, e, *snap->health)) / 1000.0;
        if (uint32_t reals = snap->health->reals(e.health_slot); reals != policy::HealthTable::kRealsUnknown)
          ej["reals_online"] = reals;
        if (e.capacity) ej["capacity"] = e.capacity;
      }
      for (const auto* list : {&e.v4, &e.v6})
        for (const IpAddress& ip : *list) ej["targets"].push_back(ip.toString());
      if (auto it = checks.find(name); it != checks.end())
        for (const auto& c : it->second) ej["checks"].push_back(checkJson(c, s.cluster));
      pj["endpoints"].push_back(ej);
    }
    j["profiles"].push_back(pj);
  }
  j["total"] = matching;
  j["offset"] = query.offset;
  j["limit"] = query.limit;
  if (snap->geo) j["geoip"] = {{"database", snap->geo->description().path}, {"summary", snap->geo->summary()}};
  j["zones"] = nlohmann::json::array();
  auto now = static_cast<uint32_t>(std::time(nullptr));
  uint64_t renewal_failures = s.renewal_failures ? s.renewal_failures() : 0;
  for (const dns::Zone& z : snap->zones) {
    nlohmann::json zj{{"origin", z.origin}, {"serial", z.serial}};
    if (z.is_signed) {
      auto when = [](uint32_t t) { return isoTime(std::chrono::system_clock::from_time_t(t)); };
      nlohmann::json keys = nlohmann::json::array();
      for (const dns::Zone::Key& k : z.keys) keys.push_back({{"tag", k.tag}, {"algorithm", k.algorithm}, {"role", k.role}});
      zj["dnssec"] = {{"signatures_expire", when(z.signatures_expire)}, {"renew_at", when(z.signatures_renew_at)},
                      {"answer_rrsets", z.signed_answer_sets}, {"keys", keys}};
      // Renewal runs every second once due: a minute late means it fails.
      if (now > z.signatures_renew_at + 60)
        zj["dnssec"]["warning"] = "DNSSEC signatures expire " + when(z.signatures_expire) +
                                  " and were not made again (" + std::to_string(renewal_failures) +
                                  " failed renewals: see the log)";
    }
    j["zones"].push_back(zj);
  }
  if (s.answers) {
    // Each profile's headline, as the page and gtm status print it.
    std::map<std::string, nlohmann::json> lines;
    int64_t now_ms = journal::nowMillis();
    for (const journal::Headline& h : s.answers->headlines()) {
      nlohmann::json hj{{"level", journal::levelName(h.level)}, {"text", journal::headlineText(h, now_ms)}};
      if (h.since_ms > 0) hj["since"] = journal::isoMillis(h.since_ms);
      lines[h.profile] = hj;
    }
    for (auto& pj : j["profiles"])
      if (auto it = lines.find(pj["name"].get<std::string>()); it != lines.end()) pj["headline"] = it->second;
  }
  if (s.journal) {
    auto h = s.journal->health();
    j["journal"] = {{"file", h.path},       {"ok", h.ok},           {"error", h.error},
                    {"pending", h.pending}, {"dropped", h.dropped}, {"corrupt_lines", h.corrupt_lines},
                    {"read_back", h.read_back}, {"written", h.written}};
  }
  if (s.transfers) j["transfers"] = transfersJson(s.transfers());
  if (s.cluster) j["cluster"] = clusterJson(*s.cluster);
  j["events"] = engine ? eventsJson(*engine) : nlohmann::json::array();
  return jsonText(j);
}

std::string ServeStatus::metricsText() {
  const ServeSources& s = sources_;
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
  m << "# HELP gtm_dns_zone_queries_total DNS queries answered authoritatively, by zone.\n"
       "# TYPE gtm_dns_zone_queries_total counter\n";
  auto zones = dns::statNames(dns::StatKind::zone);
  for (size_t i = 0; i < zones.size(); ++i)
    m << "gtm_dns_zone_queries_total{zone=\"" << labelValue(zones[i]) << "\"} " << q.by_zone[i] << "\n";
  auto endpoints = dns::statNames(dns::StatKind::endpoint);
  if (s.endpoint_metrics) {
    m << "# HELP gtm_answers_total Answers that carried the endpoint's addresses, by profile and endpoint.\n"
         "# TYPE gtm_answers_total counter\n";
    for (size_t i = 0; i < endpoints.size(); ++i) {
      size_t slash = endpoints[i].find('/');
      m << "gtm_answers_total{profile=\"" << labelValue(endpoints[i].substr(0, slash)) << "\",endpoint=\""
        << labelValue(endpoints[i].substr(slash + 1)) << "\"} " << q.answers[i] << "\n";
    }
  } else {
    std::map<std::string, uint64_t> by_profile;
    for (size_t i = 0; i < endpoints.size(); ++i) by_profile[endpoints[i].substr(0, endpoints[i].find('/'))] += q.answers[i];
    m << "# HELP gtm_profile_answers_total Answers with endpoint addresses, by profile.\n"
         "# TYPE gtm_profile_answers_total counter\n";
    for (const auto& [profile, n] : by_profile)
      m << "gtm_profile_answers_total{profile=\"" << labelValue(profile) << "\"} " << n << "\n";
  }
  m << "# HELP gtm_dns_dropped_total Packets that were not queries and got no answer.\n"
       "# TYPE gtm_dns_dropped_total counter\ngtm_dns_dropped_total "
    << q.dropped << "\n";
  m << "# HELP gtm_dns_truncated_total Responses sent with TC set.\n# TYPE gtm_dns_truncated_total counter\n"
       "gtm_dns_truncated_total "
    << q.truncated << "\n";
  m << "# HELP gtm_dns_rate_limited_total UDP responses held back by response rate limiting, by action.\n"
       "# TYPE gtm_dns_rate_limited_total counter\n"
       "gtm_dns_rate_limited_total{action=\"dropped\"} "
    << q.rate_limited_dropped << "\ngtm_dns_rate_limited_total{action=\"slipped\"} " << q.rate_limited_slipped
    << "\n";
  std::ostringstream states;
  if (s.endpoint_metrics) {
    m << "# HELP gtm_endpoint_up 1 while the endpoint may be answered (not Degraded, not disabled).\n"
         "# TYPE gtm_endpoint_up gauge\n";
    states << "# HELP gtm_endpoint_state The endpoint's monitor state, one series per state.\n"
              "# TYPE gtm_endpoint_state gauge\n";
  } else {
    m << "# HELP gtm_profile_endpoints_up Endpoints that may be answered (not Degraded, not disabled), by profile.\n"
         "# TYPE gtm_profile_endpoints_up gauge\n";
  }
  for (const policy::Profile& p : snap->profiles) {
    unsigned up = 0;
    for (const policy::Endpoint& e : p.endpoints) {
      policy::Health h = snap->health->get(e.health_slot);
      bool disabled = !e.enabled || snap->health->adminDisabled(e.health_slot);
      bool answerable = !disabled && h != policy::Health::degraded;
      up += answerable;
      if (!s.endpoint_metrics) continue;
      std::string labels = "profile=\"" + labelValue(p.name) + "\",endpoint=\"" + labelValue(e.name) + "\"";
      m << "gtm_endpoint_up{" << labels << "} " << (answerable ? 1 : 0) << "\n";
      for (policy::Health st : {policy::Health::checking, policy::Health::online, policy::Health::degraded,
                                policy::Health::unmonitored, policy::Health::full})
        states << "gtm_endpoint_state{" << labels << ",state=\"" << policy::healthName(st) << "\"} "
               << (h == st ? 1 : 0) << "\n";
      states << "gtm_endpoint_state{" << labels << ",state=\"Disabled\"} " << (disabled ? 1 : 0) << "\n";
    }
    if (!s.endpoint_metrics) m << "gtm_profile_endpoints_up{profile=\"" << labelValue(p.name) << "\"} " << up << "\n";
  }
  m << states.str();
  // Weighted profiles whose weights follow their sites' real servers.
  bool scaled_header = false;
  for (const policy::Profile& p : snap->profiles) {
    if (p.weight_from == policy::WeightFrom::none) continue;
    if (!scaled_header) {
      m << "# HELP gtm_endpoint_effective_weight A weighted endpoint's weight now: its weight times the real "
           "servers its gtm-lb monitor reports (over its capacity with weight_from = reals).\n"
           "# TYPE gtm_endpoint_effective_weight gauge\n";
      scaled_header = true;
    }
    for (const policy::Endpoint& e : p.endpoints)
      m << "gtm_endpoint_effective_weight{profile=\"" << labelValue(p.name) << "\",endpoint=\"" << labelValue(e.name)
        << "\"} " << static_cast<double>(policy::effectiveWeight(p, e, *snap->health)) / 1000.0 << "\n";
  }
  if (engine) appendProbeMetrics(m, *engine);
  appendBuildInfo(m);
  m << "# HELP gtm_dnssec_signature_expiry_seconds When the zone's earliest DNSSEC signature expires, in seconds "
       "since the epoch.\n# TYPE gtm_dnssec_signature_expiry_seconds gauge\n";
  for (const dns::Zone& z : snap->zones)
    if (z.is_signed)
      m << "gtm_dnssec_signature_expiry_seconds{zone=\"" << labelValue(z.origin) << "\"} " << z.signatures_expire << "\n";
  m << "# HELP gtm_dnssec_renewal_failures_total DNSSEC re-signings that failed (the served signatures age).\n"
       "# TYPE gtm_dnssec_renewal_failures_total counter\ngtm_dnssec_renewal_failures_total "
    << (s.renewal_failures ? s.renewal_failures() : 0) << "\n";
  if (s.transfers) appendTransferMetrics(m, s.transfers());
  if (s.cluster) appendClusterMetrics(m, *s.cluster);
  if (s.journal) {
    m << "# HELP gtm_events_total Events recorded in the journal since the start, by type.\n"
         "# TYPE gtm_events_total counter\n";
    auto counts = s.journal->countsByType();
    for (std::string_view type : journal::kEventTypes)
      m << "gtm_events_total{type=\"" << type << "\"} " << counts[std::string(type)] << "\n";
    auto h = s.journal->health();
    m << "# HELP gtm_event_journal_ok 1 while the event journal's file takes what is written to it.\n"
         "# TYPE gtm_event_journal_ok gauge\ngtm_event_journal_ok "
      << (h.ok ? 1 : 0) << "\n# HELP gtm_event_journal_dropped_total Events the journal's file never got.\n"
         "# TYPE gtm_event_journal_dropped_total counter\ngtm_event_journal_dropped_total " << h.dropped << "\n";
  }
  if (s.answers) {
    m << "# HELP gtm_profile_failovers_total Changes of a profile's answer away from what is configured (failed over, "
         "fail-open, fail-closed).\n# TYPE gtm_profile_failovers_total counter\n";
    auto failovers = s.answers->failovers();
    for (const policy::Profile& p : snap->profiles)
      m << "gtm_profile_failovers_total{profile=\"" << labelValue(p.name) << "\"} " << failovers[p.name] << "\n";
    m << "# HELP gtm_profile_headline_level The profile's headline: 0 answering as configured, 1 with something "
         "unavailable, 2 failed over, 3 fail-open, 4 fail-closed.\n# TYPE gtm_profile_headline_level gauge\n";
    // Per profile; with endpoint_metrics = false only the profiles not at 0
    // (a scrape of many thousand profiles stays small).
    for (const journal::Headline& h : s.answers->headlines())
      if (s.endpoint_metrics || h.level != journal::Level::ok)
        m << "gtm_profile_headline_level{profile=\"" << labelValue(h.profile) << "\"} " << static_cast<int>(h.level)
          << "\n";
  }
  auto [ok, failed] = s.reloads();
  m << "# HELP gtm_reloads_total Config reloads, by result.\n# TYPE gtm_reloads_total counter\n"
    << "gtm_reloads_total{result=\"ok\"} " << ok << "\ngtm_reloads_total{result=\"failed\"} " << failed << "\n";
  return m.str();
}

ControlOutcome ServeStatus::control(const std::string& profile, const std::string& endpoint, const std::string& action,
                                   const Actor& actor) {
  auto snap = sources_.snapshot();
  bool found = false;
  for (const policy::Profile& p : snap->profiles)
    for (const policy::Endpoint& e : p.endpoints) found = found || (p.name == profile && e.name == endpoint);
  if (!found) return {ControlOutcome::Kind::unknown, ""};
  // For DNS answers, drain is disable: no new client is sent there (kept
  // apart as "drained" so that the history says what the admin did).
  auto state = action == "enable"  ? AdminStore::State::enabled
               : action == "drain" ? AdminStore::State::drained
                                   : AdminStore::State::disabled;
  std::string name = profile + "/" + endpoint;
  // In a cluster the action is written to etcd, and every node (this one
  // too) applies it from the watch, in revision order; without etcd
  // nothing changes.
  const std::string note = action == "drain"
                               ? "for DNS answers drain is disable: no new client is sent there, and clients "
                                 "connected already stay until they reconnect"
                               : "";
  // Every node's journal records the action as it applies it, with who
  // made it (carried in etcd's value).
  if (sources_.cluster) {
    cluster::AdminActor by{actor.name, "", actor.client, actor.reason};
    if (auto r = sources_.cluster->setAdmin(name, AdminStore::stateName(state), by); !r)
      return {ControlOutcome::Kind::unavailable, r.error()};
    return {ControlOutcome::Kind::done, "", note};
  }
  AdminStore::State before = admin_.state(name);
  if (auto r = admin_.set(name, state); !r) return {ControlOutcome::Kind::failed, r.error()};
  admin_.applyTo(*snap);
  if (sources_.journal) {
    journal::Event e;
    e.type = "admin";
    e.profile = profile;
    e.endpoint = endpoint;
    e.action = action;
    e.from = AdminStore::stateName(before);
    e.to = AdminStore::stateName(state);
    e.actor = actor.name;
    e.client = actor.client;
    e.reason = actor.reason;
    sources_.journal->add(std::move(e));
  }
  return {ControlOutcome::Kind::done, "", note};
}

journal::WhyUnavailable whyUnavailable(const monitor::Engine* engine, const AdminStore& admin) {
  std::map<std::string, std::string> reasons;
  if (engine)
    for (const auto& c : engine->status())
      if (c.agreed == policy::Health::degraded && !reasons.count(c.endpoint)) reasons[c.endpoint] = c.last.reason;
  return [reasons = std::move(reasons), &admin](const std::string& endpoint) -> std::string {
    AdminStore::State st = admin.state(endpoint);
    if (st == AdminStore::State::drained) return "drained";
    if (st == AdminStore::State::disabled) return "disabled";
    auto it = reasons.find(endpoint);
    return it == reasons.end() ? "" : it->second;
  };
}

Result<std::string> ServeStatus::trafficJson(const std::string& profile) {
  if (!sources_.traffic) return Error{"Traffic View is off"};
  auto r = sources_.traffic->report(profile);
  if (!r) return Error{"no profile " + profile};
  return jsonText(*r);
}

std::string ServeStatus::overviewHtml() {
  OverviewInputs in;
  auto snap = sources_.snapshot();
  auto engine = sources_.engine();
  in.snapshot = snap.get();
  if (sources_.answers) in.headlines = sources_.answers->headlines();
  if (engine) in.checks = engine->status();
  in.admin_state = [this](const std::string& name) { return std::string(AdminStore::stateName(admin_.state(name))); };
  in.journal = sources_.journal;
  in.cluster = sources_.cluster;
  in.now_ms = journal::nowMillis();
  if (sources_.traffic) in.traffic = [this](const std::string& p) { return sources_.traffic->report(p); };
  return status::overviewHtml(in);
}

}  // namespace gtm::status
