// libFuzzer target: any text as a config file, through the TOML reader, the
// schema and, when the file is valid, the snapshot compiler (zones, records
// through ldns, profiles, monitors). A file is either served or refused with
// diagnostics; nothing in between may crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config_loader.hpp"
#include "dns/snapshot_builder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = gtm::config::loadString(text, "fuzz.toml");
  if (!loaded.ok()) {
    if (loaded.diagnostics.format().empty()) std::abort();  // refused without saying why
    return 0;
  }
  gtm::dns::SerialClock serials;
  auto snapshot = gtm::dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  if (!snapshot && loaded.diagnostics.format().empty()) std::abort();
  return 0;
}
