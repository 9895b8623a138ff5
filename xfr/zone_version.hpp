// One version of a transferred zone: what a secondary gets for a serial.
// The static RRsets, each profile's current answer (the one answer a
// secondary holds for everybody, policy ClientView::for_secondaries) with
// the profile's TTL, and in a signed zone DNSKEY, the RRSIGs of exactly
// those RRsets (made when the snapshot was built) and the NSEC chain, its
// profile names' NSEC matching the families they answer now.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dns/snapshot.hpp"

namespace gtm::xfr {

// A record with its owner: lower-case wire name, then TYPE CLASS TTL
// RDLENGTH RDATA. Sorted, so two versions compare record by record.
using OwnedRecord = std::pair<std::string, dns::EncodedRecord>;

struct ZoneVersion {
  uint32_t serial = 0;
  std::string apex;           // wire
  dns::EncodedRecord soa;     // the SOA record (its owner is the apex)
  std::vector<OwnedRecord> soa_rrsigs;
  std::vector<OwnedRecord> records;  // every other record, sorted, no duplicates
  size_t bytes = 0;                  // the records' size, owners uncompressed

  // The version's content without its serial, to tell whether anything a
  // secondary holds has changed.
  [[nodiscard]] bool sameContent(const ZoneVersion& other) const { return records == other.records; }
};

// The version of `zone` (one of snapshot.zones) the health table gives now.
[[nodiscard]] std::shared_ptr<const ZoneVersion> currentVersion(const dns::Snapshot& snapshot, const dns::Zone& zone);

// A digest (hex SHA-256) of what secondaries hold in `versions`, serials
// left out: nodes of a cluster with the same content get the same digest.
[[nodiscard]] std::string contentDigest(const std::vector<std::shared_ptr<const ZoneVersion>>& versions);

// What changed from `from` to `to`: records removed, records added (RFC
// 1995's condensed difference, SOA excluded).
struct Difference {
  std::vector<OwnedRecord> removed, added;
};
[[nodiscard]] Difference difference(const ZoneVersion& from, const ZoneVersion& to);

}  // namespace gtm::xfr
