#include "journal/event.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

#include "common/json_text.hpp"

namespace gtm::journal {
namespace {

struct Field {
  const char* key;
  std::string Event::*member;
};
constexpr Field kFields[] = {{"node", &Event::node},         {"type", &Event::type},   {"profile", &Event::profile},
                             {"endpoint", &Event::endpoint}, {"monitor", &Event::monitor}, {"from", &Event::from},
                             {"to", &Event::to},             {"actor", &Event::actor}, {"client", &Event::client},
                             {"action", &Event::action},     {"reason", &Event::reason}};

std::string cut(std::string s) {
  if (s.size() > kMaxField) s.resize(kMaxField);
  return s;
}

}  // namespace

bool knownType(std::string_view type) {
  return std::find(std::begin(kEventTypes), std::end(kEventTypes), type) != std::end(kEventTypes);
}

int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string isoMillis(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string eventLine(const Event& e) {
  nlohmann::json j{{"t", e.time_ms}, {"time", isoMillis(e.time_ms)}};
  for (const Field& f : kFields)
    if (!(e.*f.member).empty()) j[f.key] = cut(e.*f.member);
  return jsonText(j);
}

std::optional<Event> parseEventLine(std::string_view line) {
  if (line.empty() || line.size() > kMaxLine) return std::nullopt;
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  Event e;
  auto t = j.find("t");
  if (t == j.end() || !t->is_number_integer()) return std::nullopt;
  e.time_ms = t->get<int64_t>();
  if (e.time_ms <= 0) return std::nullopt;
  for (const Field& f : kFields) {
    auto it = j.find(f.key);
    if (it == j.end()) continue;
    if (!it->is_string()) return std::nullopt;
    e.*f.member = cut(it->get<std::string>());
  }
  if (!knownType(e.type)) return std::nullopt;
  return e;
}

bool EventFilter::matches(const Event& e) const {
  if (e.time_ms < since_ms || e.time_ms >= until_ms) return false;
  if (!profile.empty() && e.profile != profile) return false;
  if (!endpoint.empty() && e.endpoint != endpoint) return false;
  return types.empty() || std::find(types.begin(), types.end(), e.type) != types.end();
}

std::optional<int64_t> parseTimeArg(std::string_view text, int64_t now_ms) {
  if (text.empty()) return std::nullopt;
  // A duration before now: "-1h", "1h", "30m", "90s", "2d".
  std::string_view d = text.front() == '-' ? text.substr(1) : text;
  if (!d.empty() && std::string_view("smhd").find(d.back()) != std::string_view::npos && d.size() >= 2) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(d.data(), d.data() + d.size() - 1, n);
    if (ec == std::errc() && end == d.data() + d.size() - 1 && n >= 0 && n <= 3650LL * 86400) {
      int64_t unit = d.back() == 's' ? 1000 : d.back() == 'm' ? 60000 : d.back() == 'h' ? 3600000 : 86400000;
      return now_ms - n * unit;
    }
    if (text.front() == '-') return std::nullopt;
  }
  // RFC 3339 in UTC: 2026-12-02T03:00:00Z or 2026-12-02T03:00:00.250Z.
  std::tm tm{};
  std::string s(text);
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return std::nullopt;
  int64_t ms = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 3) ms = ms * 10 + (*rest - '0');
      ++digits;
      ++rest;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) ms *= 10;
  }
  if (std::string_view(rest) != "Z") return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

}  // namespace gtm::journal
