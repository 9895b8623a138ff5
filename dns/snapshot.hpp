// Everything a query is answered from: zones and profiles, compiled from one
// config and never changed after. Reload builds a new one and swaps a pointer.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "dns/transfer_handler.hpp"
#include "dns/zone.hpp"
#include "geo/geoip_database.hpp"
#include "policy/health.hpp"
#include "policy/profile.hpp"

namespace gtm::dns {

struct Snapshot {
  std::vector<Zone> zones;
  std::vector<policy::Profile> profiles;
  std::vector<config::Monitor> monitors;
  // [geoip]'s database, opened at this load; null without one.
  std::shared_ptr<const geo::GeoDatabase> geo;
  // One entry per endpoint of every profile, written by the monitor engine.
  std::shared_ptr<policy::HealthTable> health;
  // This node's name in a cluster, given to id.server / hostname.bind CH TXT
  // and the EDNS NSID option, so an admin can tell which node answered;
  // empty: neither is answered.
  std::string identity;
  // Count answers by client network for Traffic View ([status] listen and
  // traffic_view): off, the query path skips it.
  bool traffic_view = false;
  // The SOA serial of this load, which every zone without one of its own
  // carries (dns/snapshot_builder.hpp SerialClock).
  uint32_t serial = 0;
  // Who answers zone transfers and TSIG-signed queries (xfr/); null: no
  // zone is transferred, and they are refused as before.
  std::shared_ptr<TransferHandler> transfers;

  // The most specific zone containing the wire name, or nullptr.
  [[nodiscard]] const Zone* findZone(std::string_view wire_name) const {
    // Walk the name's suffixes from longest to shortest; the first hit is
    // the closest enclosing zone.
    size_t pos = 0;
    while (pos < wire_name.size()) {
      std::string_view suffix = wire_name.substr(pos);
      for (const Zone& z : zones)
        if (z.apex == suffix) return &z;
      uint8_t len = static_cast<uint8_t>(wire_name[pos]);
      if (len == 0) break;
      pos += 1u + len;
    }
    return nullptr;
  }
};

}  // namespace gtm::dns
