// What a status server shows and controls, for one kind of daemon: gtm serve
// (profiles and endpoints) or gtm lb (services and real servers). The server
// itself (HTTP, token, limits) is the same for both.
#pragma once

#include <string>

#include "common/result.hpp"

namespace gtm::status {

class StatusProvider {
 public:
  virtual ~StatusProvider() = default;
  [[nodiscard]] virtual std::string statusJson() = 0;   // GET /api/v1/status
  [[nodiscard]] virtual std::string metricsText() = 0;  // GET /metrics
  // action: "disable", "enable" or "drain" on group/member (profile/endpoint,
  // or service/real). false: no such member; an error: the action failed.
  [[nodiscard]] virtual Result<bool> control(const std::string& group, const std::string& member,
                                             const std::string& action) = 0;
};

}  // namespace gtm::status
