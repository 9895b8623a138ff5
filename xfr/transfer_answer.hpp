// The messages of a transfer answer, unsigned (the caller signs each):
// AXFR (RFC 5936): SOA, every record, SOA; IXFR (RFC 1995): the new SOA,
// the secondary's SOA, what was removed, the new SOA, what was added, the
// new SOA; or the current SOA alone (up to date, or asked over UDP). Each
// message holds about 16 KiB of records; owner names below the apex point
// at the question's name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xfr/journal.hpp"
#include "xfr/message_reader.hpp"
#include "xfr/zone_version.hpp"

namespace gtm::xfr {

inline constexpr size_t kTransferMessageTarget = 16 * 1024;

[[nodiscard]] std::vector<std::string> axfrMessages(std::span<const uint8_t> request, const MessageView& view,
                                                    const ZoneVersion& v);
[[nodiscard]] std::vector<std::string> ixfrMessages(std::span<const uint8_t> request, const MessageView& view,
                                                    const ZoneVersion& v, const Change& change);
[[nodiscard]] std::string soaMessage(std::span<const uint8_t> request, const MessageView& view, const ZoneVersion& v);
// A header and the question, no record: REFUSED, NOTAUTH, FORMERR...
[[nodiscard]] std::string errorMessage(std::span<const uint8_t> request, const MessageView& view, uint8_t rcode);

}  // namespace gtm::xfr
