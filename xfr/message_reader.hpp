// Walking a whole DNS message from another machine (a transfer request, a
// NOTIFY answer): its question and the position of each record, bounds
// checked, compression pointers followed for names (at most 64 hops). The
// packet path has its own allocation-free parser for queries; transfers
// need every section.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gtm::xfr {

struct RecordAt {
  size_t start = 0;      // the owner name's first byte
  std::string owner;     // lower-case wire name, decompressed
  uint16_t type = 0, cls = 0;
  uint32_t ttl = 0;
  size_t rdata = 0;      // RDATA's first byte
  uint16_t rdlength = 0;
};

struct MessageView {
  uint16_t id = 0, flags = 0;
  uint8_t opcode = 0;
  std::string qname;  // lower-case wire name; empty without a question
  uint16_t qtype = 0, qclass = 0;
  size_t question_end = 12;
  std::vector<RecordAt> answer, authority, additional;
};

// The name at `pos` (lower-case wire), and where it ends in the message;
// nullopt when it runs past the end, loops or is longer than 255 bytes.
[[nodiscard]] std::optional<std::pair<std::string, size_t>> readName(std::span<const uint8_t> msg, size_t pos);

// nullopt when the message is malformed (shorter than it says, a name that
// does not end, more than one question).
[[nodiscard]] std::optional<MessageView> readMessage(std::span<const uint8_t> msg);

}  // namespace gtm::xfr
