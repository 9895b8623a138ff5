// Builds a response in a caller-owned buffer. Sections are written in order
// (answer, authority, additional); a record that does not fit is refused and
// the caller decides between truncating (TC) and leaving it out.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/ip_address.hpp"
#include "dns/query.hpp"

namespace gtm::dns {

enum class Section { answer, authority, additional };

// A record's owner name: a compression pointer to an earlier offset, or,
// where no pointer can reach, the wire name itself.
struct Owner {
  uint16_t pointer = 0;
  std::string_view wire;
};

class ResponseWriter {
 public:
  // limit: the largest message the client accepts; opt_reserve: bytes kept
  // free for the OPT record written last.
  ResponseWriter(std::span<uint8_t> buffer, size_t limit, size_t opt_reserve);

  // Header (ID, opcode and RD copied; QR set) and, when the query had a
  // valid question, the question as received.
  void begin(const Query& q, uint8_t rcode, bool authoritative);

  // `encoded` is a record without its owner (TYPE .. RDATA).
  bool addRecord(Section s, const Owner& owner, std::string_view encoded);
  bool addAddress(Section s, const Owner& owner, const IpAddress& ip, uint32_t ttl);

  // Offset at which the RDATA of the last record added starts.
  [[nodiscard]] size_t lastRdataOffset() const { return last_rdata_; }
  [[nodiscard]] size_t questionEnd() const { return question_end_; }

  // Drops every record and sets TC.
  void truncate();
  void setRcode(uint8_t rcode);

  // OPT with the extended rcode, our payload size, the DO bit echoed
  // (RFC 3225) and the given options (already encoded as code, length, data).
  void addOpt(uint16_t payload, uint8_t extended_rcode, std::span<const uint8_t> options, bool dnssec_ok = false);

  // The unsigned TSIG record of an error answer (RFC 8945 5.3): the
  // query's key name, algorithm, time and fudge, no MAC, the query's ID and
  // `error`. Written last, into room reserved at construction.
  void addTsigError(const Tsig& tsig, uint16_t original_id, uint16_t error);
  [[nodiscard]] static size_t tsigErrorSize(const Tsig& tsig) {
    return tsig.key_name.size() + 10 + tsig.algorithm.size() + 8 + 8;
  }

  [[nodiscard]] size_t size() const { return pos_; }

 private:
  bool room(Section s, size_t n);
  // Names are compressed against every name written before (RFC 1035
  // 4.1.4): the longest known suffix becomes a pointer. Owners given as
  // wire names (glue, NSEC owners) and names in NS, CNAME, PTR, MX and SOA
  // RDATA; each written name is remembered for the ones after it.
  size_t writeOwner(const Owner& owner);
  size_t writeName(std::string_view wire, uint8_t* out);  // returns its length
  size_t writeCompressedRdata(uint16_t type, std::string_view rdata, uint8_t* out);
  void remember(size_t at);
  [[nodiscard]] bool nameAtIs(size_t at, std::string_view wire) const;
  [[nodiscard]] size_t knownSuffix(std::string_view wire, uint16_t* target) const;
  void count(Section s);

  std::span<uint8_t> buf_;
  size_t limit_;
  size_t pos_ = 0;
  size_t question_end_ = 0;
  size_t last_rdata_ = 0;
  int section_ = 0;
  std::array<uint16_t, 32> names_{};  // where names written so far start
  size_t name_count_ = 0;
};

}  // namespace gtm::dns
