// What a profile is doing, in one line an admin on call reads at a glance:
// "answering east", "failed over to west (east: connection refused)",
// "fail-open: no endpoint available, answering all", "no answer
// (fail-closed)". Worked out from the snapshot served and its health
// table, for a client that no subnet or region singles out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dns/snapshot.hpp"

namespace gtm::journal {

enum class Level {
  ok,           // answering as configured, everything available
  notice,       // answering as configured, something else unavailable
  failed_over,  // answering other endpoints than configured
  fail_open,    // nothing available: answering every enabled endpoint
  fail_closed,  // nothing available: no answer
};
[[nodiscard]] const char* levelName(Level level);

struct Headline {
  std::string profile;
  Level level = Level::ok;
  std::string what;                  // "answering east", "failed over to west", ...
  std::string why;                   // "east: connection refused; west: drained"; may be empty
  std::vector<std::string> serving;  // the top-level endpoints answered now
  std::string answer;                // their addresses, "127.0.10.10, ::1"
  int64_t since_ms = 0;              // when the answer became what it is (0: not known)
};

// Why an endpoint ("profile/endpoint") is not answered: the admin's
// override or its checks' last reason.
using WhyUnavailable = std::function<std::string(const std::string& endpoint)>;

[[nodiscard]] Headline describeProfile(const dns::Snapshot& snapshot, size_t profile, const WhyUnavailable& why);

// "failed over to west since 03:12 UTC (east: connection refused)".
[[nodiscard]] std::string headlineText(const Headline& h, int64_t now_ms);

}  // namespace gtm::journal
