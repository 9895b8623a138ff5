// Signs a compiled zone when the snapshot is built, so that no query is
// ever signed (DNSSEC, RFC 4033-4035): the DNSKEY RRset is added at the
// apex; every static RRset gets its RRSIGs; the NSEC chain over the zone's
// names is made and signed (with variants of a profile name's NSEC that
// leave out A or AAAA, for the NODATA of a profile that has no answer at
// that moment); and every RRset any profile of the zone can answer with
// (policy/answer_sets.hpp) is signed and kept by its answer-set key
// (dnssec/canonical.hpp). A zone whose profiles could give more than
// kMaxSignedAnswerSets RRsets is refused, naming the profile.
#pragma once

#include <cstdint>
#include <span>

#include "config/config.hpp"
#include "dns/zone.hpp"
#include "policy/profile.hpp"

namespace gtm::dns {

inline constexpr size_t kMaxSignedAnswerSets = 10000;

// Signatures valid from an hour before `now` (clocks differ) for the
// zone's signature_validity. False, with errors in diag, when a key is
// unusable or the answers are too many.
[[nodiscard]] bool signZone(Zone& zone, const config::Zone& cfg, std::span<const policy::Profile> profiles,
                            config::Diagnostics& diag, uint32_t now);

// The SOA RRset's signatures again (its serial changed), and the negative
// answers' copy of them; every other signature stays.
[[nodiscard]] bool signSoa(Zone& zone, const config::Zone& cfg, config::Diagnostics& diag, uint32_t now);

}  // namespace gtm::dns
