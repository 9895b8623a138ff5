// Compiles a loaded Config into a Snapshot: resolves names, encodes every
// record through ldns, checks what the schema cannot (names inside their
// zone, CNAME conflicts, unique priorities). Any error: no snapshot.
#pragma once

#include <cstdint>
#include <memory>

#include "config/config.hpp"
#include "dns/snapshot.hpp"

namespace gtm::dns {

// Makes the SOA serial of each load (every zone without a serial of its
// own gets it): seconds since the epoch, or one more than the last serial it
// gave out, whichever is larger. A cluster node may adopt the serial that
// other nodes serve for the same config (fixed()), after which later loads
// still get more (follow()).
class SerialClock {
 public:
  uint32_t next();
  void follow(uint32_t serial);
  // A clock whose next load gets exactly `serial`.
  [[nodiscard]] static SerialClock fixed(uint32_t serial);

 private:
  uint32_t last_ = 0;
  bool fixed_ = false;
};

// `loaded_geo`: the GeoIP database a build of the same config opened
// before. A rebuild that only makes new signatures or takes a new serial
// passes it, so that it depends on nothing on disk (a database made
// unreadable since must not stop re-signing).
[[nodiscard]] std::unique_ptr<Snapshot> buildSnapshot(const config::Config& cfg, config::Diagnostics& diag,
                                                      SerialClock& serials,
                                                      std::shared_ptr<const geo::GeoDatabase> loaded_geo = nullptr);

// `current` with a new SOA serial in every zone without a serial of its
// own, and (signed zones) the SOA's signatures made again; everything else,
// other signatures included, is copied. Zones that secondaries transfer
// take a new serial this way each time their answers change.
[[nodiscard]] std::unique_ptr<Snapshot> withSerial(const Snapshot& current, const config::Config& cfg,
                                                   uint32_t serial, config::Diagnostics& diag);

}  // namespace gtm::dns
