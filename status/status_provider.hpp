// What a status server shows and controls, for one kind of daemon: gtm serve
// (profiles and endpoints) or gtm lb (services and real servers). The server
// itself (HTTP, token, limits) is the same for both.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace gtm::journal {
class EventJournal;
}

namespace gtm::status {

// Which part of the status to show: one group (profile or service) by
// name, or a page of them. A config of 100,000 endpoints makes a 14 MB
// document otherwise.
struct StatusQuery {
  std::string group;     // empty: every group, paged
  std::string address;   // /api/v1/route: the client's ADDRESS or ADDRESS/PREFIX
  size_t offset = 0;     // groups to skip
  size_t limit = 1000;   // groups to show at most
  static constexpr size_t kMaxLimit = 10000;
};

// What became of an admin action.
struct ControlOutcome {
  enum class Kind { done, unknown, failed, unavailable } kind = Kind::done;
  std::string error;  // failed: the write failed (500); unavailable: etcd cannot be reached (503)
  std::string note{};  // done: what the action means here, when that is not obvious
};

// Who asked for an admin action: the token's name, the client's address,
// and the reason they gave (may be empty).
struct Actor {
  std::string name;
  std::string client;
  std::string reason;
};

class StatusProvider {
 public:
  virtual ~StatusProvider() = default;
  // GET /api/v1/status[?profile=NAME|?service=NAME][&offset=N][&limit=M]; the
  // document says "total", "offset" and "limit" for paging.
  [[nodiscard]] virtual std::string statusJson(const StatusQuery& query) = 0;
  [[nodiscard]] virtual std::string metricsText() = 0;  // GET /metrics
  // action: "disable", "enable" or "drain" on group/member (profile/endpoint,
  // or service/real).
  [[nodiscard]] virtual ControlOutcome control(const std::string& group, const std::string& member,
                                               const std::string& action, const Actor& actor) = 0;
  // The event journal (GET /api/v1/events and its stream); null: none.
  [[nodiscard]] virtual journal::EventJournal* journal() { return nullptr; }
  // GET /api/v1/traffic?profile=NAME: Traffic View's JSON; an error that
  // says what is wrong.
  [[nodiscard]] virtual Result<std::string> trafficJson(const std::string&) {
    return Error{"this daemon has no profiles"};
  }
  // The part of the page at / drawn on the server (headlines, timelines,
  // latest events): HTML, "" for none. Also served alone at /overview.
  [[nodiscard]] virtual std::string overviewHtml() { return ""; }
  // GET /api/v1/route?profile=NAME&address=A[/P]: which endpoint a client
  // there gets now, and why; an error that says what is wrong (no such
  // profile, not an address, no profiles at all on gtm lb).
  [[nodiscard]] virtual Result<std::string> routeJson(const StatusQuery&) {
    return Error{"this daemon has no profiles"};
  }
};

}  // namespace gtm::status
