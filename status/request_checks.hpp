// The checks the status server makes of a request before it answers, apart
// from the network: which Host names it answers for, what the path and
// version may be, the status API's query parameters. Pure, so the request
// fuzzer runs them too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "journal/event.hpp"
#include "status/status_provider.hpp"

namespace gtm::status {

// Whether a Host header value names this server: an IP literal, localhost,
// or one of `allowed` (case-insensitive, with or without a port).
[[nodiscard]] bool hostAllowed(std::string_view host, const std::vector<std::string>& allowed);

// The first line received ends in a bare LF (Beast would wait on it forever).
[[nodiscard]] bool requestLineHasBareLf(std::string_view received);

// HTTP/1.0 or 1.1, and a path whose %-escapes decode to UTF-8.
[[nodiscard]] bool acceptableRequest(unsigned version, std::string_view target);

// ?profile=NAME (or service=NAME), offset=N, limit=M; nothing for junk.
[[nodiscard]] std::optional<StatusQuery> statusQuery(std::string_view target);

// The %-decoded UTF-8 value of `key` in a query ("a=1&b=2", the part after
// '?') or a form body; '+' is a space in form bodies.
[[nodiscard]] std::optional<std::string> formValue(std::string_view pairs, std::string_view key, bool form = false);

// GET /api/v1/events: since, until (RFC 3339 or a duration before now like
// -1h), profile, endpoint (NAME or PROFILE/NAME), type (a,b), limit,
// follow=1. An error that says what is wrong, or nothing.
[[nodiscard]] std::optional<std::string> eventQuery(std::string_view target, int64_t now_ms,
                                                    journal::EventFilter& filter, bool& follow);

}  // namespace gtm::status
