#include "tests/support/test_snapshot.hpp"

#include "config/config_loader.hpp"
#include "dns/snapshot_builder.hpp"

namespace gtm::test {

std::unique_ptr<dns::Snapshot> compileSnapshot(const std::string& config_text, std::string& errors) {
  auto loaded = config::loadString(config_text, "test.toml");
  std::unique_ptr<dns::Snapshot> snapshot;
  if (loaded.ok()) {
    dns::SerialClock serials;
    snapshot = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  }
  errors = snapshot ? "" : loaded.diagnostics.format();
  return snapshot;
}

}  // namespace gtm::test
