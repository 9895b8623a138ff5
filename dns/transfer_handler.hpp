// What the packet path hands over instead of answering: zone transfers
// (AXFR, IXFR) and TSIG-signed queries, to xfr/ when the config has a zone
// that secondaries transfer. The query path knows nothing more of them.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"

namespace gtm::dns {

class TransferHandler {
 public:
  virtual ~TransferHandler() = default;
  // The messages that answer `query` (unframed, in order), or none: the
  // packet path answers it as it would without transfers. Over UDP
  // (`tcp` false) at most one message, no larger than `udp_limit`.
  virtual std::vector<std::string> answer(std::span<const uint8_t> query, const IpAddress& peer, bool tcp,
                                          size_t udp_limit) = 0;
};

}  // namespace gtm::dns
