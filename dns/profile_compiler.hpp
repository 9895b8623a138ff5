// Compiles [[monitor]] and [[profile]] tables into the snapshot: binds each
// profile's fqdn to its zone, resolves nested profiles (no loops, at most 10
// levels), checks priorities, subnets and routing options, and gives every
// endpoint its health slot. Part of buildSnapshot.
#pragma once

#include "config/config.hpp"
#include "dns/snapshot.hpp"

namespace gtm::dns {

void compileMonitors(const config::Config& cfg, Snapshot& snap, config::Diagnostics& diag);
// After the zones: profile names are bound into them.
void compileProfiles(const config::Config& cfg, Snapshot& snap, config::Diagnostics& diag);

}  // namespace gtm::dns
