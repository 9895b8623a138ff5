#include "status/overview_page.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/html_text.hpp"
#include "journal/timeline.hpp"
#include "policy/router.hpp"

namespace gtm::status {
namespace {

constexpr size_t kOpenProfiles = 20;  // more than this: the healthy ones are folded away
constexpr size_t kLatestEvents = 20;
constexpr int64_t kDay = 24 * 3600 * 1000LL;

struct EndpointFacts {
  double latency_ms = -1;
  int cert_days = -1;
  bool revocation_checked = false, revocation_failing = false;
  double crl_seconds_left = 1e18;  // the soonest CRL nextUpdate its checks read

  // "45 days", "45 days, revocation failing", "45 days, CRL 5 h": what the
  // certificate column says, and whether it warns.
  [[nodiscard]] std::pair<std::string, bool> certificateText() const {
    std::string text = cert_days >= 0 ? std::to_string(cert_days) + " days" : "";
    bool warn = cert_days >= 0 && cert_days < 14;
    auto add = [&](const std::string& more) { text += (text.empty() ? "" : ", ") + more; };
    if (revocation_failing) {
      add("revocation failing");
      warn = true;
    } else if (crl_seconds_left < 86400) {
      long long h = static_cast<long long>(crl_seconds_left / 3600);
      add(crl_seconds_left < 0 ? "CRL expired" : "CRL " + std::to_string(h) + " h");
      warn = true;
    } else if (revocation_checked) {
      add("revocation ok");
    }
    return {text, warn};
  }
};

std::string cell(const std::string& text, const std::string& cls = "") {
  return "<td" + (cls.empty() ? "" : " class=\"" + cls + "\"") + ">" + htmlEscaped(text) + "</td>";
}

std::string headlineItem(const journal::Headline& h, int64_t now) {
  std::string out = "<li class=\"hl-" + std::string(journal::levelName(h.level)) + "\" data-profile=\"" +
                    htmlEscaped(h.profile) + "\"><span class=\"hl-name\">" + htmlEscaped(h.profile) +
                    "</span><span class=\"hl-text\">" + htmlEscaped(journal::headlineText(h, now)) + "</span>";
  if (!h.answer.empty()) out += " <span class=\"muted\">(" + htmlEscaped(h.answer) + ")</span>";
  return out + "</li>";
}

}  // namespace

std::string overviewHtml(const OverviewInputs& in) {
  std::string html;
  const int64_t now = in.now_ms;
  if (in.journal) {
    auto h = in.journal->health();
    if (!h.ok)
      html += "<p class=\"journal-warning\" id=\"journal-warning\">The event journal is failing: " +
              htmlEscaped(h.error) + " (" + std::to_string(h.pending) + " events waiting, " +
              std::to_string(h.dropped) + " lost). The history on this page is kept in memory only.</p>";
  }
  // Headlines: problems first, in the order of the config.
  std::vector<const journal::Headline*> problems, fine;
  for (const journal::Headline& h : in.headlines) (h.level == journal::Level::ok ? fine : problems).push_back(&h);
  html += "<ul class=\"headlines\" id=\"headlines\">";
  for (const journal::Headline* h : problems) html += headlineItem(*h, now);
  bool fold = in.headlines.size() > kOpenProfiles;
  if (!fold)
    for (const journal::Headline* h : fine) html += headlineItem(*h, now);
  html += "</ul>";
  if (fold && !fine.empty()) {
    html += "<details id=\"healthy-profiles\"><summary>" + std::to_string(fine.size()) +
            " more profiles answering as configured</summary><ul class=\"headlines\">";
    for (const journal::Headline* h : fine) html += headlineItem(*h, now);
    html += "</ul></details>";
  }
  if (in.headlines.empty()) html += "<p class=\"muted\">No profiles.</p>";

  // Each endpoint of the problem profiles (of every profile while there are
  // few): its last 24 hours.
  std::map<std::string, std::vector<journal::Event>> history;
  if (in.journal) {
    journal::EventFilter f;
    f.since_ms = now - kDay;
    f.types = {"endpoint", "admin"};
    f.limit = journal::EventJournal::kMemoryEvents;
    for (journal::Event& e : in.journal->query(f)) history[e.profile + "/" + e.endpoint].push_back(std::move(e));
  }
  // Before the journal's oldest event nothing is known (a new install).
  int64_t known_since = in.journal ? in.journal->oldestMillis() : now;
  if (known_since == 0) known_since = now;
  std::map<std::string, EndpointFacts> facts;
  for (const monitor::Engine::CheckStatus& c : in.checks) {
    EndpointFacts& f = facts[c.endpoint];
    f.latency_ms = std::max(f.latency_ms, static_cast<double>(c.last.latency.count()) / 1000.0);
    if (c.last.cert_days_left && (f.cert_days < 0 || *c.last.cert_days_left < f.cert_days)) f.cert_days = *c.last.cert_days_left;
    if (c.last.revocation_ok) {
      f.revocation_checked = true;
      f.revocation_failing = f.revocation_failing || !*c.last.revocation_ok;
    }
    if (c.last.crl_seconds_left) f.crl_seconds_left = std::min(f.crl_seconds_left, *c.last.crl_seconds_left);
  }
  std::map<std::string, journal::Level> level;
  for (const journal::Headline& h : in.headlines) level[h.profile] = h.level;
  std::string rows;
  if (in.snapshot) {
    for (const policy::Profile& p : in.snapshot->profiles) {
      if (fold && level[p.name] == journal::Level::ok) continue;
      for (const policy::Endpoint& e : p.endpoints) {
        std::string name = p.name + "/" + e.name;
        std::string health = e.enabled ? std::string(policy::healthName(in.snapshot->health->get(e.health_slot))) : "Disabled";
        std::string admin = in.admin_state ? in.admin_state(name) : "enabled";
        auto segments = journal::timeline(history[name], health, admin, known_since, now - kDay, now);
        const EndpointFacts& f = facts[name];
        std::string state = admin == "enabled" ? health : admin;
        // A weight that follows the site's real servers says what it is now.
        std::string shown_state = state;
        if (p.weight_from != policy::WeightFrom::none) {
          char weight[48];
          std::snprintf(weight, sizeof weight, ", weight %g",
                        static_cast<double>(policy::effectiveWeight(p, e, *in.snapshot->health)) / 1000.0);
          shown_state += weight;
        }
        auto [cert_text, cert_warn] = f.certificateText();
        rows += "<tr data-endpoint=\"" + htmlEscaped(name) + "\">" + cell(name) + cell(shown_state, admin == "enabled" ? health : "Disabled") + "<td>" +
                journal::timelineSvg(segments, now - kDay, now) + "</td>" +
                cell(cert_text, cert_warn ? "warn" : "") +
                cell(f.latency_ms >= 0 ? std::to_string(static_cast<int>(f.latency_ms + 0.5)) + " ms" : "") + "</tr>";
      }
    }
  }
  if (!rows.empty())
    html += "<h2>Endpoints, the last 24 hours</h2><table id=\"timelines\"><tr><th>endpoint</th><th>now</th>"
            "<th>24 hours ago &rarr; now</th><th>certificate</th><th>latency</th></tr>" + rows + "</table>";

  if (in.cluster) {
    html += "<h2>Cluster: the nodes agree by " + std::string(cluster::agreementName(in.cluster->settings().agreement)) +
            "</h2><table id=\"cluster-nodes\"><tr><th>node</th><th>version</th><th>config</th><th>admin state</th></tr>";
    auto mismatch = in.cluster->adminMismatch();
    std::string mine = in.cluster->settings().node;
    for (const cluster::NodeInfo& n : in.cluster->nodes()) {
      bool admin_differs = std::find(mismatch.begin(), mismatch.end(), n.name) != mismatch.end();
      html += "<tr>" + cell(n.name + (n.name == mine ? " (this node)" : "") + (n.live ? "" : " (no sign of life)"), n.live ? "" : "Degraded") +
              cell(n.version) + cell(n.config_digest) + cell(admin_differs ? "differs" : "same", admin_differs ? "Degraded" : "") + "</tr>";
    }
    html += "</table>";
    if (!in.cluster->connected()) html += "<p class=\"warn\">This node is not connected to etcd: it answers by its own view.</p>";
  }

  // Who is sent where: the busiest networks of each endpoint in the last
  // hour, for the profiles shown open.
  if (in.traffic && in.snapshot) {
    std::string tables;
    for (const policy::Profile& p : in.snapshot->profiles) {
      if (fold && level[p.name] == journal::Level::ok) continue;
      auto report = in.traffic(p.name);
      if (!report) continue;
      for (const auto& e : (*report)["endpoints"]) {
        if (e["answers"].get<uint64_t>() == 0) continue;
        std::string nets;
        size_t shown = 0;
        for (const auto& n : e["networks"]) {
          if (shown++ == 5) break;
          nets += (nets.empty() ? "" : ", ") + n["network"].get<std::string>() +
                  (n.contains("country") ? " " + n["country"].get<std::string>() : "") + " " +
                  std::to_string(n["answers"].get<uint64_t>());
        }
        tables += "<tr>" + cell(p.name + "/" + e["name"].get<std::string>()) +
                  cell(std::to_string(e["answers"].get<uint64_t>())) + cell(nets) +
                  cell(std::to_string(e["distinct_networks"].get<uint64_t>())) + "</tr>";
      }
    }
    if (!tables.empty())
      html += "<h2>Who is sent where, the last hour</h2><table id=\"traffic\"><tr><th>endpoint</th><th>answers</th>"
              "<th>busiest client networks</th><th>networks</th></tr>" + tables + "</table>";
  }
  html += "<h2>Latest events</h2>";
  if (in.journal) {
    journal::EventFilter f;
    f.limit = kLatestEvents;
    auto latest = in.journal->query(f);
    html += "<table id=\"latest-events\"><tr><th>UTC</th><th>node</th><th>type</th><th>what</th><th>change</th><th>who</th><th>reason</th></tr>";
    for (auto it = latest.rbegin(); it != latest.rend(); ++it) {
      const journal::Event& e = *it;
      std::string what = e.profile + (e.endpoint.empty() ? "" : "/" + e.endpoint) + (e.monitor.empty() ? "" : " " + e.monitor);
      std::string change = e.from.empty() ? e.action + (e.to.empty() ? "" : " " + e.to) : e.from + " \u2192 " + e.to;
      std::string who = e.actor + (e.client.empty() ? "" : " from " + e.client);
      std::string when = journal::isoMillis(e.time_ms);  // 2026-12-02T03:12:04.123Z -> 12-02 03:12:04
      when = when.substr(5, 5) + " " + when.substr(11, 8);
      if (e.type == "answer" && e.to.empty()) change = e.from + " \u2192 (no answer)";
      html += "<tr class=\"ev-" + htmlEscaped(e.type) + "\">" + cell(when) +
              cell(e.node) + cell(e.type) + cell(what) + cell(change) + cell(who) + cell(e.reason) + "</tr>";
    }
    html += "</table>";
  }
  html += "<form class=\"inline\" method=\"get\" action=\"/api/v1/events\">events of profile <input name=\"profile\" size=\"10\">"
          " of type <input name=\"type\" size=\"14\" placeholder=\"answer,admin\"> since <input name=\"since\" size=\"8\" "
          "value=\"-24h\"><button type=\"submit\">show</button></form>";
  if (in.snapshot && !in.snapshot->profiles.empty()) {
    html += "<h2>Where is an address sent?</h2><form class=\"inline\" method=\"get\" action=\"/api/v1/route\">"
            "profile <select name=\"profile\">";
    for (const policy::Profile& p : in.snapshot->profiles)
      html += "<option>" + htmlEscaped(p.name) + "</option>";
    html += "</select> address <input name=\"address\" size=\"20\" placeholder=\"198.51.100.7/24\">"
            "<button type=\"submit\">explain</button></form>";
  }
  return html;
}

}  // namespace gtm::status
