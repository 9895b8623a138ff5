// Making and reading EncodedRecords (dns/zone.hpp: TYPE, CLASS, TTL,
// RDLENGTH, RDATA, no owner) outside the packet path: the signer, the
// serial of a new snapshot and the transfers share these.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ip_address.hpp"
#include "dns/wire.hpp"
#include "dns/zone.hpp"

namespace gtm::dns {

// An A or AAAA record (by the address's family).
inline EncodedRecord addressRecord(const IpAddress& ip, uint32_t ttl) {
  auto bytes = ip.span();
  EncodedRecord rec(10 + bytes.size(), '\0');
  auto* p = reinterpret_cast<uint8_t*>(rec.data());
  writeU16(p, ip.family == IpAddress::Family::v4 ? type::A : type::AAAA);
  writeU16(p + 2, kClassIn);
  writeU32(p + 4, ttl);
  writeU16(p + 8, static_cast<uint16_t>(bytes.size()));
  std::copy(bytes.begin(), bytes.end(), p + 10);
  return rec;
}

// Where an SOA record's SERIAL starts (after MNAME and RNAME, both
// uncompressed), or npos when the record is too short.
inline size_t soaSerialOffset(std::string_view soa) {
  size_t pos = 10;
  for (int name = 0; name < 2; ++name) {
    while (pos < soa.size() && soa[pos] != 0) pos += 1 + static_cast<uint8_t>(soa[pos]);
    ++pos;
  }
  return pos + 4 <= soa.size() ? pos : std::string_view::npos;
}

}  // namespace gtm::dns
