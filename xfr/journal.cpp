#include "xfr/journal.hpp"

#include <set>

namespace gtm::xfr {

void Journal::add(const ZoneVersion& from, const ZoneVersion& to) {
  entries_.push_back({from.serial, to.serial, std::time(nullptr), from.soa, from.soa_rrsigs, difference(from, to)});
  while (entries_.size() > capacity_) entries_.pop_front();
}

std::optional<std::time_t> Journal::behindSince(uint32_t serial) const {
  for (const JournalEntry& e : entries_)
    if (e.from == serial) return e.made;
  if (entries_.empty()) return std::nullopt;
  return entries_.front().made;
}

std::optional<Change> Journal::since(uint32_t serial) const {
  size_t first = entries_.size();
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].from == serial) {
      first = i;
      break;
    }
  if (first == entries_.size()) return std::nullopt;
  std::set<OwnedRecord> removed, added;
  for (size_t i = first; i < entries_.size(); ++i) {
    for (const OwnedRecord& r : entries_[i].diff.removed)
      if (!added.erase(r)) removed.insert(r);
    for (const OwnedRecord& r : entries_[i].diff.added)
      if (!removed.erase(r)) added.insert(r);
  }
  return Change{entries_[first].from_soa, entries_[first].from_soa_rrsigs,
                Difference{{removed.begin(), removed.end()}, {added.begin(), added.end()}}};
}

}  // namespace gtm::xfr
