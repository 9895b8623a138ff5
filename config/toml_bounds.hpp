// Bounds a config must keep before it reaches the TOML parser. toml++
// recurses once per part of a dotted key and per level of nesting: a table
// header of 31,000 parts (60 KB) overflows the stack. These limits are far
// beyond any real config and keep every accepted file safe to parse.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.hpp"

namespace gtm::config {

inline constexpr size_t kMaxConfigBytes = 8 << 20;  // 8 MiB: ~100,000 endpoints fit
inline constexpr size_t kMaxKeyParts = 32;          // a.b.c = 1, [a.b.c]: 3 parts
inline constexpr size_t kMaxNesting = 32;           // arrays and inline tables within each other

struct BoundsError {
  Location where;
  std::string message;
};

// The first place where `text` passes a bound, or nothing. A lexical scan:
// strings and comments are skipped; dots are counted between the
// characters that end a key, brackets and braces by depth.
[[nodiscard]] std::optional<BoundsError> checkTomlBounds(std::string_view text);

}  // namespace gtm::config
