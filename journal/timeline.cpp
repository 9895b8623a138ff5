#include "journal/timeline.hpp"

#include "common/html_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace gtm::journal {
namespace {

std::string shown(const std::string& health, const std::string& admin) {
  return admin == "drained" || admin == "disabled" ? admin : health;
}

// A state name as a CSS class suffix: letters and digits only.
std::string classOf(const std::string& state) {
  std::string out;
  for (char c : state)
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  return out;
}

}  // namespace

std::vector<Segment> timeline(const std::vector<Event>& events, const std::string& health, const std::string& admin,
                              int64_t known_since_ms, int64_t from_ms, int64_t to_ms) {
  std::vector<const Event*> changes;
  for (const Event& e : events)
    if ((e.type == "endpoint" || e.type == "admin") && !e.to.empty() && e.time_ms < to_ms) changes.push_back(&e);
  // The states at the window's start: before the first change, what it
  // changed from (each of health and admin from its own first change).
  std::string h = health, a = admin;
  bool h_set = false, a_set = false;
  for (const Event* e : changes) {
    bool is_health = e->type == "endpoint";
    if (is_health && !h_set) h = e->from, h_set = true;
    if (!is_health && !a_set) a = e->from, a_set = true;
  }
  std::vector<Segment> out;
  int64_t cursor = from_ms;
  if (known_since_ms > from_ms) {
    cursor = std::min(known_since_ms, to_ms);
    out.push_back({from_ms, cursor, "unknown"});
  }
  for (const Event* e : changes) {
    int64_t at = std::max(e->time_ms, cursor);
    if (at > cursor) out.push_back({cursor, at, shown(h, a)});
    cursor = at;
    (e->type == "endpoint" ? h : a) = e->to;
  }
  if (cursor < to_ms) out.push_back({cursor, to_ms, shown(h, a)});
  // Neighbours in the same state become one.
  std::vector<Segment> merged;
  for (Segment& s : out) {
    if (!merged.empty() && merged.back().state == s.state)
      merged.back().end_ms = s.end_ms;
    else
      merged.push_back(std::move(s));
  }
  return merged;
}

std::string timelineSvg(const std::vector<Segment>& segments, int64_t from_ms, int64_t to_ms) {
  // 1,000 units across; the page scales it to the cell.
  const double span = static_cast<double>(std::max<int64_t>(1, to_ms - from_ms));
  std::string out =
      "<svg class=\"timeline\" viewBox=\"0 0 1000 12\" preserveAspectRatio=\"none\" role=\"img\" "
      "aria-label=\"the last 24 hours\">";
  for (const Segment& s : segments) {
    double x = static_cast<double>(s.start_ms - from_ms) / span * 1000;
    double w = static_cast<double>(s.end_ms - s.start_ms) / span * 1000;
    char geometry[64];
    std::snprintf(geometry, sizeof geometry, "x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"12\"", x, std::max(w, 0.5));
    out += "<rect class=\"t-" + classOf(s.state) + "\" " + geometry + "><title>" + htmlEscaped(s.state) + " from " +
           isoMillis(s.start_ms) + " to " + isoMillis(s.end_ms) + "</title></rect>";
  }
  return out + "</svg>";
}

}  // namespace gtm::journal
