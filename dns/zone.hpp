// A zone compiled for the packet path: every name in lower-case wire format,
// every static record pre-encoded, so an answer is a few copies.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gtm::dns {

// How many CNAMEs in a row an answer follows inside a zone; a longer chain
// (or a loop) is refused at load.
inline constexpr int kMaxCnameChain = 8;

// One resource record without its owner name: TYPE, CLASS, TTL, RDLENGTH, RDATA.
using EncodedRecord = std::string;

struct RRSet {
  uint16_t type = 0;
  std::vector<EncodedRecord> records;
  std::string cname_target;  // CNAME only: lower-case wire name, for chasing
  std::vector<EncodedRecord> rrsigs;  // signed zones: its RRSIG records
};

// A record with its own owner name and its signatures (an NSEC record).
struct SignedRecord {
  std::string owner;  // lower-case wire name
  EncodedRecord record;
  std::vector<EncodedRecord> rrsigs;
};

// An in-zone address record for the ADDITIONAL section (name server glue).
// The A or AAAA RRset of an in-zone name server, sent with the apex NS
// answer; in a signed zone with its RRSIGs (RFC 4035 3.1.1).
struct Glue {
  std::string owner;  // wire name
  uint16_t type = 0;
  std::vector<EncodedRecord> records;
  std::vector<EncodedRecord> rrsigs;
};

struct Node {
  std::vector<RRSet> rrsets;  // apex: SOA first, then NS
  int profile = -1;           // index into Snapshot::profiles, -1: none
  std::vector<Glue> ns_glue;  // apex only
  // Signed zones: this name's NSEC in Zone::nsec_chain, and for a profile's
  // name its NSEC variants without A and without AAAA in
  // Zone::nsec_variants (for NODATA while the profile has no answer).
  int nsec = -1;
  int nsec_variants = -1;

  [[nodiscard]] const RRSet* find(uint16_t type) const {
    for (const RRSet& s : rrsets)
      if (s.type == type) return &s;
    return nullptr;
  }
  [[nodiscard]] bool empty() const { return rrsets.empty() && profile < 0; }
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The most addresses of one answer RRset that a signed zone signs (the
// query path gathers at most this many to find the signatures).
inline constexpr size_t kMaxSignedAnswerAddresses = 64;

struct Zone {
  std::string origin;  // presentation form
  std::string apex;    // lower-case wire name
  // Every owner name, and every empty non-terminal between it and the apex.
  std::unordered_map<std::string, Node, StringHash, std::equal_to<>> nodes;
  // The SOA for negative answers: TTL min(SOA TTL, SOA minimum), RFC 2308.
  EncodedRecord negative_soa;
  uint32_t serial = 0;
  uint32_t stat_id = 0;  // counters: queries for this zone

  // DNSSEC (dnssec/zone_signer.hpp): everything signed when the snapshot is
  // built, nothing on the query path.
  bool is_signed = false;
  std::vector<SignedRecord> nsec_chain;  // every owner name, in canonical order
  // The SOA's RRSIGs as negative answers carry them: with negative_soa's
  // TTL (RFC 4034 3: an RRSIG's TTL is its RRset's; the original TTL inside
  // stays).
  std::vector<EncodedRecord> negative_soa_rrsigs;
  // [0] without A, [1] without AAAA, [2] without either (what a secondary
  // holds while the profile answers one family or none).
  std::vector<std::array<SignedRecord, 3>> nsec_variants;
  // The RRSIGs of every RRset a profile can answer with, by
  // answerSetKey(profile, type, addresses).
  std::unordered_map<std::string, std::vector<EncodedRecord>, StringHash, std::equal_to<>> answer_rrsigs;
  struct Key {
    uint16_t tag = 0;
    uint8_t algorithm = 0;
    std::string role;  // "KSK", "ZSK", "CSK" or "published only"
  };
  std::vector<Key> keys;
  size_t signed_answer_sets = 0;     // profile answer RRsets signed ahead
  uint32_t signatures_expire = 0;    // the earliest RRSIG expiration, seconds since the epoch
  uint32_t signatures_renew_at = 0;  // when to sign again (refresh before the expiration)

  [[nodiscard]] const Node* find(std::string_view wire_name) const {
    auto it = nodes.find(wire_name);
    return it == nodes.end() ? nullptr : &it->second;
  }
};

}  // namespace gtm::dns
