// The last changes of a transferred zone, for IXFR (RFC 1995): each the
// difference from one serial to the next. Bounded by count: the oldest
// change goes when one more than `capacity` arrives, so a secondary older
// than the journal gets the whole zone instead.
#pragma once

#include <cstdint>
#include <ctime>
#include <deque>
#include <optional>

#include "xfr/zone_version.hpp"

namespace gtm::xfr {

struct JournalEntry {
  uint32_t from = 0, to = 0;
  std::time_t made = 0;  // when `to` was made
  dns::EncodedRecord from_soa;
  std::vector<OwnedRecord> from_soa_rrsigs;
  Difference diff;
};

// What a secondary at an older serial needs: that serial's SOA (and its
// signatures, to delete) and the condensed difference.
struct Change {
  dns::EncodedRecord old_soa;
  std::vector<OwnedRecord> old_soa_rrsigs;
  Difference diff;
};

class Journal {
 public:
  explicit Journal(size_t capacity) : capacity_(capacity) {}

  void add(const ZoneVersion& from, const ZoneVersion& to);
  // The condensed difference from `serial` to the newest serial (records
  // removed and added again cancel out); nullopt when `serial` is not in
  // the journal.
  [[nodiscard]] std::optional<Change> since(uint32_t serial) const;
  // When the first change after `serial` was made (how long a secondary at
  // `serial` has been behind); the oldest change's time when `serial` is
  // older than the journal.
  [[nodiscard]] std::optional<std::time_t> behindSince(uint32_t serial) const;
  [[nodiscard]] size_t size() const { return entries_.size(); }
  [[nodiscard]] size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::deque<JournalEntry> entries_;
};

}  // namespace gtm::xfr
