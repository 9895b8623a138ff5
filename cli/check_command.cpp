// gtm check --config FILE: validate and list what would be served.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "dns/snapshot_printer.hpp"

namespace gtm::cli {

int checkCommand(const Args& args) {
  std::string path, error;
  if (!configPathFrom(args, path, error)) {
    std::cerr << "gtm check: " << error << "\n";
    return 2;
  }
  dns::SerialClock serials;
  CompiledConfig c = compileConfig(path, serials);
  if (!c.snapshot) {
    std::cerr << c.errors;
    return 1;
  }
  std::cout << dns::describe(*c.snapshot);
  std::cout << path << ": ok\n";
  return 0;
}

}  // namespace gtm::cli
