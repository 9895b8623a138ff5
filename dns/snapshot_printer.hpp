// Human-readable listing of a snapshot for `gtm check`: zones with every
// record in zone-file syntax, then profiles with their endpoints.
#pragma once

#include <string>

#include "dns/snapshot.hpp"

namespace gtm::dns {

[[nodiscard]] std::string describe(const Snapshot& snapshot);

}  // namespace gtm::dns
