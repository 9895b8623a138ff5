// Reads a TOML config file into Config. Every problem found is reported, each
// with file:line:column; a config with any problem is never used.
#pragma once

#include <string>

#include "config/config.hpp"

namespace gtm::config {

struct LoadResult {
  Config config;
  Diagnostics diagnostics;
  [[nodiscard]] bool ok() const { return diagnostics.empty(); }
};

[[nodiscard]] LoadResult loadFile(const std::string& path);
[[nodiscard]] LoadResult loadString(std::string_view text, const std::string& path);

}  // namespace gtm::config
