// The keys a cluster keeps under its etcd prefix, and one decoder for each
// family. Whatever is read from etcd is input from strangers (any client
// with access to the prefix can write anything there): a decoder checks
// names, types and sizes and either returns the value or says why it was
// ignored. None of them throws.
//   nodes/NODE            {"config_digest": S, "version": S, "admin_digest": S, "beat": N}
//   obs/NODE/TARGET       {"state": S, "reason": S, "time": N}
//   admin/GROUP/MEMBER    "enabled" | "disabled" | "drained"
//   serial                {"digest": S, "serial": N}   (cluster/zone_serial.hpp)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "policy/health.hpp"

namespace gtm::cluster {

// What a node reads of one value; larger ones are ignored unread. A node
// writes far less (reasons are cut at kMaxReasonBytes).
inline constexpr size_t kMaxValueBytes = 4096;
inline constexpr size_t kMaxReasonBytes = 512;
// What a target key ("MONITOR|ADDRESS|PORT") may be at the most.
inline constexpr size_t kMaxTargetBytes = 63 + 1 + 45 + 1 + 5;

enum class KeyFamily { node, observation, admin, serial, other };

// The family of a key relative to the prefix ("nodes/ns1" -> node).
[[nodiscard]] KeyFamily keyFamily(std::string_view key);

struct NodeRecord {
  std::string name;
  std::string config_digest;
  std::string version;
  std::string admin_digest;
};
struct ObservationRecord {
  std::string node, target;
  policy::Health state = policy::Health::checking;
};
// Who made an admin action, carried in its value so that every node's
// event journal says so.
struct AdminActor {
  std::string by;      // the token's name
  std::string node;    // the node the action was made on
  std::string client;  // the client's address
  std::string reason;
};

struct AdminRecord {
  std::string name;   // "GROUP/MEMBER"
  std::string state;  // "enabled" | "disabled" | "drained"
  AdminActor actor{};  // empty for a plain value (a version before actors) or a deletion
};

// The value of an admin key: {"state": S, "by": ..., "node": ..., "client":
// ..., "reason": ...}. A plain "enabled"/"disabled"/"drained" (older
// versions) is read too.
[[nodiscard]] std::string encodeAdmin(const std::string& state, const AdminActor& actor);

// `value` is ignored for a deleted key: only the key's names are checked.
[[nodiscard]] Result<NodeRecord> decodeNode(std::string_view key, std::string_view value, bool deleted);
[[nodiscard]] Result<ObservationRecord> decodeObservation(std::string_view key, std::string_view value, bool deleted);
[[nodiscard]] Result<AdminRecord> decodeAdmin(std::string_view key, std::string_view value, bool deleted);

[[nodiscard]] std::optional<policy::Health> healthFromName(std::string_view name);

// A target key as the monitor engine makes it: a monitor name, an address
// and a port.
[[nodiscard]] bool isTargetKey(std::string_view target);

}  // namespace gtm::cluster
