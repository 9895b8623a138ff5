// A zone compiled for the packet path: every name in lower-case wire format,
// every static record pre-encoded, so an answer is a few copies.
#pragma once

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
};

// An in-zone address record for the ADDITIONAL section (name server glue).
struct Glue {
  std::string owner;  // wire name
  EncodedRecord record;
};

struct Node {
  std::vector<RRSet> rrsets;  // apex: SOA first, then NS
  int profile = -1;           // index into Snapshot::profiles, -1: none
  std::vector<Glue> ns_glue;  // apex only

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

struct Zone {
  std::string origin;  // presentation form
  std::string apex;    // lower-case wire name
  // Every owner name, and every empty non-terminal between it and the apex.
  std::unordered_map<std::string, Node, StringHash, std::equal_to<>> nodes;
  // The SOA for negative answers: TTL min(SOA TTL, SOA minimum), RFC 2308.
  EncodedRecord negative_soa;
  uint32_t serial = 0;
  uint32_t stat_id = 0;  // counters: queries for this zone

  [[nodiscard]] const Node* find(std::string_view wire_name) const {
    auto it = nodes.find(wire_name);
    return it == nodes.end() ? nullptr : &it->second;
  }
};

}  // namespace gtm::dns
