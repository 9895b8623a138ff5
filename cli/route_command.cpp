// gtm route PROFILE ADDRESS[/PREFIX] --config FILE: which endpoint a client
// at ADDRESS would get from the profile and why, as the file compiles (every
// monitored endpoint counted as not yet probed, which answers as Online).
#include <iostream>

#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "dns/route_explainer.hpp"

namespace gtm::cli {

int routeCommand(const Args& args) {
  constexpr const char* kUsage = "usage: gtm route PROFILE ADDRESS[/PREFIX] --config FILE\n";
  if (args.size() < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string path, error;
  if (!configPathFrom(Args(args.begin() + 2, args.end()), path, error)) {
    std::cerr << "gtm route: " << error << "\n" << kUsage;
    return 2;
  }
  auto client = dns::parseClient(args[1]);
  if (!client) {
    std::cerr << "gtm route: \"" << args[1] << "\" is not an address or ADDRESS/PREFIX\n";
    return 2;
  }
  dns::SerialClock serials;
  CompiledConfig c = compileConfig(path, serials);
  if (!c.snapshot) {
    std::cerr << c.errors;
    return 1;
  }
  auto r = dns::explainRoute(*c.snapshot, args[0], *client);
  if (!r) {
    std::cerr << "gtm route: no [[profile]] named \"" << args[0] << "\" in " << path << "\n";
    return 1;
  }
  std::cout << r->why << "\n";
  for (const std::string& a : r->answers) std::cout << "  " << a << "\n";
  std::cout << "  ECS scope /" << static_cast<int>(r->scope_prefix) << "\n";
  return 0;
}

}  // namespace gtm::cli
