#include "journal/headline.hpp"

#include <ctime>

#include "policy/router.hpp"

namespace gtm::journal {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

// The addresses an endpoint contributes: its own, or what its nested
// profile answers now.
void addAddresses(const dns::Snapshot& s, const policy::Endpoint& e, std::vector<std::string>& out) {
  if (e.child < 0) {
    for (const auto* list : {&e.v4, &e.v6})
      for (const IpAddress& ip : *list) out.push_back(ip.toString());
    return;
  }
  policy::ClientView client;
  policy::Decision d;
  policy::decide(s.profiles, static_cast<size_t>(e.child), *s.health, client, d);
  for (size_t i = 0; i < d.count; ++i)
    for (const auto* list : {&d.endpoints[i]->v4, &d.endpoints[i]->v6})
      for (const IpAddress& ip : *list) out.push_back(ip.toString());
}

}  // namespace

const char* levelName(Level level) {
  switch (level) {
    case Level::ok: return "ok";
    case Level::notice: return "notice";
    case Level::failed_over: return "failed-over";
    case Level::fail_open: return "fail-open";
    case Level::fail_closed: return "fail-closed";
  }
  return "?";
}

Headline describeProfile(const dns::Snapshot& s, size_t index, const WhyUnavailable& why) {
  const policy::Profile& p = s.profiles[index];
  const policy::HealthTable& health = *s.health;
  Headline h;
  h.profile = p.name;
  // Endpoints in the order the router takes them (by priority).
  std::vector<const policy::Endpoint*> configured, available, down;
  for (const policy::Endpoint& e : p.endpoints) {
    if (!e.enabled) continue;
    configured.push_back(&e);
    bool up = !health.adminDisabled(e.health_slot) && policy::available(s.profiles, e, health);
    (up ? available : down).push_back(&e);
  }
  std::string reasons;
  for (const policy::Endpoint* e : down) {
    std::string r = why ? why(p.name + "/" + e->name) : "";
    if (r.empty())  // no reason known: the state says enough
      r = health.adminDisabled(e->health_slot) ? "disabled"
          : e->child >= 0                      ? "too few endpoints available"
                                               : std::string(policy::healthName(health.get(e->health_slot)));
    reasons += (reasons.empty() ? "" : "; ") + e->name + (r.empty() ? "" : ": " + r);
  }
  h.why = reasons;
  // What answers: the first one for priority routing, every available one
  // otherwise (each client gets its share of them).
  auto serving = [&](const std::vector<const policy::Endpoint*>& from) {
    std::vector<const policy::Endpoint*> out;
    if (from.empty()) return out;
    if (p.routing == policy::Routing::priority) return std::vector<const policy::Endpoint*>{from.front()};
    return from;
  };
  std::vector<const policy::Endpoint*> now = serving(available), meant = serving(configured);
  std::vector<std::string> addresses;
  if (available.empty() && p.fail_closed) {
    h.level = Level::fail_closed;
    h.what = "no answer (fail-closed)";
  } else if (available.empty()) {
    // The router answers every enabled endpoint the admin did not disable.
    for (const policy::Endpoint* e : configured)
      if (!health.adminDisabled(e->health_slot)) now.push_back(e);
    h.level = Level::fail_open;
    h.what = now.empty() ? "no answer: every endpoint is disabled"
                         : "fail-open: no endpoint available, answering all";
    if (now.empty()) h.level = Level::fail_closed;
  } else {
    std::vector<std::string> names;
    for (const policy::Endpoint* e : now) names.push_back(e->name);
    if (now == meant) {
      h.level = down.empty() ? Level::ok : Level::notice;
      h.what = "answering " + joined(names);
    } else if (p.routing == policy::Routing::priority) {
      h.level = Level::failed_over;
      h.what = "failed over to " + joined(names);
    } else {
      std::vector<std::string> missing;
      for (const policy::Endpoint* e : down) missing.push_back(e->name);
      h.level = Level::failed_over;
      h.what = "answering " + joined(names) + " without " + joined(missing);
    }
  }
  for (const policy::Endpoint* e : now) {
    h.serving.push_back(e->name);
    addAddresses(s, *e, addresses);
  }
  for (const std::string& a : addresses) h.answer += (h.answer.empty() ? "" : ", ") + a;
  return h;
}

std::string headlineText(const Headline& h, int64_t now_ms) {
  std::string out = h.what;
  if (h.level != Level::ok && h.level != Level::notice && h.since_ms > 0) {
    std::time_t secs = static_cast<std::time_t>(h.since_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    // The date too once it is not today's.
    bool today = now_ms - h.since_ms < 20 * 3600 * 1000LL;
    std::strftime(buf, sizeof buf, today ? "%H:%M UTC" : "%Y-%m-%d %H:%M UTC", &tm);
    out += std::string(" since ") + buf;
  }
  if (!h.why.empty()) out += " (" + h.why + ")";
  return out;
}

}  // namespace gtm::journal
