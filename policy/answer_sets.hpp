// Every answer a profile can give, whatever the health and the client: the
// sets of leaf endpoints that decide() (policy/router.hpp) can return, for
// signing each answer RRset ahead of time (DNSSEC). Priority, weighted and
// subnet profiles answer with one endpoint's addresses, a multivalue
// profile with any max_answers of its endpoints (fewer when fewer are
// eligible), a nested endpoint with whatever its profile can give. A
// weighted profile in a transferred zone answers secondaries with every
// available endpoint: any subset.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "policy/profile.hpp"

namespace gtm::policy {

using AnswerSet = std::vector<const Endpoint*>;

// nullopt when there are more than `limit` sets.
[[nodiscard]] std::optional<std::vector<AnswerSet>> possibleAnswerSets(std::span<const Profile> profiles,
                                                                       size_t profile, size_t limit);

}  // namespace gtm::policy
