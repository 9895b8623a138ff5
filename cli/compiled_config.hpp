// Load a config file and compile it into a snapshot: the one path shared by
// `gtm check` and `gtm serve`, so both accept and refuse the same files.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "dns/snapshot.hpp"
#include "dns/snapshot_builder.hpp"

namespace gtm::cli {

struct CompiledConfig {
  config::Config config;
  std::unique_ptr<dns::Snapshot> snapshot;
  std::string errors;  // "file:line:column: message" lines; empty when ok
};

[[nodiscard]] CompiledConfig compileConfig(const std::string& path, dns::SerialClock& serials);

// Parses "--config FILE" (or "-c FILE"); returns false with a message otherwise.
[[nodiscard]] bool configPathFrom(const std::vector<std::string>& args, std::string& path, std::string& error);

}  // namespace gtm::cli
