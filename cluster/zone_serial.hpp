// One SOA serial for every node that serves the same config. The key
// `serial` under the cluster's prefix holds {"digest": D, "serial": S}: the
// serial that nodes with config digest D serve. A node that loads a config
// adopts S when D is its digest, and otherwise publishes its own serial for
// its digest (compare-and-put on the revision it read, so two nodes that
// load at once settle on one). Changes that arrive by the watch are only
// adopted, never answered with a write: two nodes with different configs
// do not take turns overwriting each other (they are flagged as a config
// mismatch instead).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gtm::cluster {

inline constexpr std::string_view kSerialKey = "serial";

struct SharedSerial {
  std::string digest;
  uint32_t serial = 0;
  int64_t mod_revision = 0;  // for the compare-and-put
};

[[nodiscard]] std::optional<SharedSerial> parseSharedSerial(std::string_view value, int64_t mod_revision);
[[nodiscard]] std::string sharedSerialJson(const std::string& digest, uint32_t serial);

enum class SerialStep { keep, adopt, publish };

// What a node serving `serial` for `digest` does with what etcd holds:
// after its own load (or on joining) it may publish; on a watch event
// (`own_load` false) it only adopts.
[[nodiscard]] SerialStep serialStep(const std::optional<SharedSerial>& shared, const std::string& digest,
                                    uint32_t serial, bool own_load);

}  // namespace gtm::cluster
