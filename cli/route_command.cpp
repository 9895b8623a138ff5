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
  const std::string& text = args[1];
  auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    std::cerr << "gtm route: \"" << text << "\" is not an address or ADDRESS/PREFIX\n";
    return 2;
  }
  unsigned max = address->family == IpAddress::Family::v4 ? 32 : 128, prefix = max;
  if (slash != std::string::npos) {
    auto subnet = Subnet::parse(text);
    if (!subnet) {
      std::cerr << "gtm route: \"" << text << "\" has a prefix that is not 0-" << max << "\n";
      return 2;
    }
    prefix = subnet->prefix;
  }
  dns::SerialClock serials;
  CompiledConfig c = compileConfig(path, serials);
  if (!c.snapshot) {
    std::cerr << c.errors;
    return 1;
  }
  for (size_t i = 0; i < c.snapshot->profiles.size(); ++i) {
    if (c.snapshot->profiles[i].name != args[0]) continue;
    auto r = dns::explainRoute(*c.snapshot, i, *address, static_cast<uint8_t>(prefix));
    std::cout << r.why << "\n";
    for (const std::string& a : r.answers) std::cout << "  " << a << "\n";
    std::cout << "  ECS scope /" << static_cast<int>(r.scope_prefix) << "\n";
    return 0;
  }
  std::cerr << "gtm route: no [[profile]] named \"" << args[0] << "\" in " << path << "\n";
  return 1;
}

}  // namespace gtm::cli
