#include "cli/compiled_config.hpp"

#include "config/config_loader.hpp"

namespace gtm::cli {

CompiledConfig compileConfig(const std::string& path, dns::SerialClock& serials) {
  CompiledConfig out;
  auto loaded = config::loadFile(path);
  if (!loaded.ok()) {
    out.errors = loaded.diagnostics.format();
    return out;
  }
  if (loaded.config.zones.empty()) loaded.diagnostics.error({1, 1}, "gtm serve needs at least one [[zone]]");
  if (loaded.ok()) out.snapshot = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  if (!out.snapshot) {
    out.errors = loaded.diagnostics.format();
    return out;
  }
  out.config = std::move(loaded.config);
  return out;
}

bool configPathFrom(const std::vector<std::string>& args, std::string& path, std::string& error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config" || a == "-c") {
      if (i + 1 == args.size()) {
        error = a + " needs a file name";
        return false;
      }
      path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      path = a.substr(9);
    } else {
      error = "unknown argument \"" + a + "\"";
      return false;
    }
  }
  if (path.empty()) {
    error = "--config FILE is required";
    return false;
  }
  return true;
}

}  // namespace gtm::cli
