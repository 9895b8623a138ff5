// Compiles a loaded Config into a Snapshot: resolves names, encodes every
// record through ldns, checks what the schema cannot (names inside their
// zone, CNAME conflicts, unique priorities). Any error: no snapshot.
#pragma once

#include <cstdint>
#include <memory>

#include "config/config.hpp"
#include "dns/snapshot.hpp"

namespace gtm::dns {

// Makes SOA serials that grow with every load: seconds since the epoch, or
// one more than the last serial it gave out, whichever is larger.
class SerialClock {
 public:
  uint32_t next();

 private:
  uint32_t last_ = 0;
};

[[nodiscard]] std::unique_ptr<Snapshot> buildSnapshot(const config::Config& cfg, config::Diagnostics& diag,
                                                      SerialClock& serials);

}  // namespace gtm::dns
