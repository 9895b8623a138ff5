// A MaxMind DB file (GeoLite2 Country or City, DB-IP's lite databases, any
// file of that format with country/continent records), copied into memory
// at open and read with libmaxminddb by every query thread at once. A
// reload opens the file anew; the snapshot holding the old copy keeps it
// until the last query that uses it is done, so a swap loses no query, and
// a file overwritten in place cannot pull pages from under a lookup.
#pragma once

#include <maxminddb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "policy/geo_region.hpp"

namespace gtm::geo {

class GeoDatabase : public policy::GeoLookup {
 public:
  // Refuses what is not a regular file, what libmaxminddb cannot open, and
  // a database whose records have neither a country nor a continent.
  [[nodiscard]] static Result<std::shared_ptr<const GeoDatabase>> open(const std::string& path);
  ~GeoDatabase() override;
  GeoDatabase(const GeoDatabase&) = delete;
  GeoDatabase& operator=(const GeoDatabase&) = delete;

  // No allocation, no lock.
  using policy::GeoLookup::locate;
  [[nodiscard]] policy::GeoLocation locate(const IpAddress& address, policy::GeoNeed need) const override;

  // What `gtm check` and the status API say of it.
  struct Description {
    std::string path, type;
    uint64_t build_epoch = 0;
    uint16_t ip_version = 0;
    uint32_t node_count = 0;
    // Of the records sampled from the search tree: how many have each.
    size_t sampled = 0, with_country = 0, with_continent = 0, with_subdivision = 0, with_location = 0;
  };
  [[nodiscard]] const Description& description() const { return description_; }
  // "GeoLite2-Country, IPv6 tree, built 2026-11-24; sampled 64 records: country 64, continent 64, subdivisions 0,
  // coordinates 0"
  [[nodiscard]] std::string summary() const;

 private:
  GeoDatabase() = default;
  void sample();

  // What a record says, read once per query thread (each database has its
  // own generation, so a reload's records never pass for the old ones).
  void readRecord(MMDB_entry_s& entry, policy::GeoNeed need, policy::GeoLocation& loc) const;

  mutable MMDB_s mmdb_{};
  bool opened_ = false;
  uint64_t generation_ = 0;
  Description description_;
};

}  // namespace gtm::geo
