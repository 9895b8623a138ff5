// A zone's DNSSEC keys: BIND-format key pairs as ldns-keygen writes them
// (PATH.key with the DNSKEY record, PATH.private), read with ldns and
// checked against each other. Algorithms 13 (ECDSA P-256 with SHA-256) and
// 15 (Ed25519). A key with the SEP flag (257) signs the DNSKEY RRset; the
// others the rest; where an algorithm has keys of one kind only, they sign
// everything (each RRset is signed with every algorithm, RFC 4035 2.2).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "config/config.hpp"
#include "dns/zone.hpp"

struct ldns_struct_key;

namespace gtm::dns {

struct ZoneKey {
  std::shared_ptr<ldns_struct_key> key;  // the private key, for ldns's signing
  EncodedRecord dnskey;                  // TYPE .. RDATA, the TTL to be set
  uint16_t tag = 0;
  uint8_t algorithm = 0;
  bool sep = false;           // flags 257: signs the DNSKEY RRset
  bool publish_only = false;  // published, signing nothing
  std::string path;
};

// The key pair's files must hold a DNSKEY of the zone `origin` (wire name)
// and its private key, for algorithm 13 or 15.
[[nodiscard]] Result<ZoneKey> loadZoneKey(const config::DnssecKey& k, std::string_view origin_wire);

// The DS record for the parent (digest type 2, SHA-256), in presentation
// form: "vpn.example.com. 3600 IN DS 12345 13 2 ABCD...".
[[nodiscard]] std::string dsRecord(const ZoneKey& k, std::string_view origin_wire, uint32_t ttl);

}  // namespace gtm::dns
