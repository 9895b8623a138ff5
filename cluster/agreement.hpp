// How the nodes of a cluster combine their observations of one health
// target into the state every node answers by (issue: several gtm nodes as
// one). Pure: the caller says who is alive and what each saw.
#pragma once

#include <span>
#include <string_view>

#include "policy/health.hpp"

namespace gtm::cluster {

// A node that sees a target Degraded or Full (up, but taking no new
// clients) votes it out. majority: out when more than half of the live
// nodes that have a verdict vote so (a tie keeps it up), as Cloudflare's
// majority of data centers; all: only when every one does; any: when any
// one does; local: this node's own view (only admin state is shared). A
// target voted out is Full when most of those votes say Full, otherwise
// Degraded.
enum class Agreement { majority, all, any, local };

[[nodiscard]] constexpr std::string_view agreementName(Agreement a) {
  switch (a) {
    case Agreement::majority: return "majority";
    case Agreement::all: return "all";
    case Agreement::any: return "any";
    case Agreement::local: return "local";
  }
  return "?";
}

// `own` is this node's state of the target; `others` the states other live
// nodes published for it. A node still Checking has no verdict and is not
// counted; with no verdict at all the result is Checking.
[[nodiscard]] policy::Health agree(Agreement mode, policy::Health own, std::span<const policy::Health> others);

}  // namespace gtm::cluster
