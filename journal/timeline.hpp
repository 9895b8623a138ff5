// An endpoint's last 24 hours as a strip of coloured segments (Online,
// Degraded, Full, drained, disabled, ...), drawn from the journal's
// "endpoint" and "admin" events backwards from the state now.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "journal/event.hpp"

namespace gtm::journal {

struct Segment {
  int64_t start_ms = 0, end_ms = 0;
  std::string state;  // a health name (Online, Degraded, ...) or the admin's "drained"/"disabled"
};

// `events`: this endpoint's, oldest first (others are passed over). Each
// segment holds what its event changed to; before the first event, what
// that event changed from, back to `known_since_ms` (the journal's oldest
// event) and "unknown" before it. `health` and `admin` ("enabled",
// "drained", "disabled") are the states now, for an endpoint without events.
[[nodiscard]] std::vector<Segment> timeline(const std::vector<Event>& events, const std::string& health,
                                            const std::string& admin, int64_t known_since_ms, int64_t from_ms,
                                            int64_t to_ms);

// An SVG strip (no style attributes: colours come from the page's classes
// "t-Online", "t-Degraded", ...), with a <title> per segment.
[[nodiscard]] std::string timelineSvg(const std::vector<Segment>& segments, int64_t from_ms, int64_t to_ms);

}  // namespace gtm::journal
