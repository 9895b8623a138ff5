// One entry of the event journal: what happened, when, on which node, to
// which objects, and who did it. Written as one JSON line; read back from
// the file as untrusted text (a line another version or a full disk left
// half written is refused, never trusted).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gtm::journal {

// The kinds of event, as written in "type".
inline constexpr std::string_view kEventTypes[] = {"check",   "endpoint", "answer", "admin",
                                                   "reload",  "cluster",  "dnssec", "certificate"};

struct Event {
  int64_t time_ms = 0;     // milliseconds since the epoch; 0: stamped when added
  uint64_t seq = 0;        // this process's order (the event stream's id); not written
  std::string node;        // the cluster node that recorded it; empty alone
  std::string type;        // one of kEventTypes
  std::string profile;     // the objects it concerns, when any
  std::string endpoint;
  std::string monitor;
  std::string from, to;    // states, or answers, before and after
  std::string actor;       // admin: the token's name; where: "alice@node1"
  std::string client;      // admin: the client address the action came from
  std::string action;      // admin: disable, enable, drain
  std::string reason;      // one line
};

// Longest string field kept (a longer one is cut, on writing and reading).
inline constexpr size_t kMaxField = 512;
// Longest line read back; a longer one counts as corrupt.
inline constexpr size_t kMaxLine = 8192;

[[nodiscard]] std::string eventLine(const Event& e);  // JSON, without the newline
[[nodiscard]] std::optional<Event> parseEventLine(std::string_view line);
[[nodiscard]] bool knownType(std::string_view type);
// RFC 3339 in UTC with milliseconds: 2026-12-02T03:12:00.123Z.
[[nodiscard]] std::string isoMillis(int64_t ms);
[[nodiscard]] int64_t nowMillis();

// Which events a reader wants (GET /api/v1/events, gtm events).
struct EventFilter {
  int64_t since_ms = 0;                // inclusive
  int64_t until_ms = INT64_MAX;        // exclusive
  std::string profile, endpoint;       // empty: any
  std::vector<std::string> types;      // empty: any
  size_t limit = 1000;                 // the newest this many
  static constexpr size_t kMaxLimit = 10000;
  [[nodiscard]] bool matches(const Event& e) const;
};

// "2026-12-02T03:00:00Z" (or with milliseconds), "-1h", "1h", "-30m", "90s", "2d"
// (a duration: that long before now): milliseconds since the epoch.
[[nodiscard]] std::optional<int64_t> parseTimeArg(std::string_view text, int64_t now_ms);

}  // namespace gtm::journal
