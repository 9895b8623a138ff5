// The lookup step of the packet path: from a valid query and a snapshot to
// the answer, authority and additional sections (RFC 1034 4.3.2 for one
// authoritative server, without delegations or wildcards).
#pragma once

#include "dns/query.hpp"
#include "dns/query_stats.hpp"
#include "dns/response_writer.hpp"
#include "dns/snapshot.hpp"
#include "policy/router.hpp"

namespace gtm::dns {

// Calls w.begin() itself: the rcode and AA bit depend on the lookup.
// Returns the ECS scope prefix the answer holds for (0: any client).
// Counts the query's zone and the endpoints answered in `stats`.
uint8_t buildAnswer(const Snapshot& snapshot, const Query& q, const policy::ClientView& client, ResponseWriter& w,
                    QueryStats& stats);

}  // namespace gtm::dns
