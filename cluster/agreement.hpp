// How the nodes of a cluster combine their observations of one health
// target into the state every node answers by (issue: several gtm nodes as
// one). Pure: the caller says who is alive and what each saw.
#pragma once

#include <span>
#include <string_view>

#include "policy/health.hpp"

namespace gtm::cluster {

// majority: Degraded when more than half of the live nodes that have a
//   verdict see it Degraded (a tie keeps it up), as Cloudflare's majority of
//   data centers; all: Degraded only when every one does; any: when any one
//   does; local: this node's own view (only admin state is shared).
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
// counted; with no verdict at all the result is Checking. A result that is
// not Degraded is Full when most nodes that see the target up see it Full.
[[nodiscard]] policy::Health agree(Agreement mode, policy::Health own, std::span<const policy::Health> others);

}  // namespace gtm::cluster
