// gtm dnssec ds ZONE --config FILE: the DS records (SHA-256) of the zone's
// keys with the SEP flag, to give the parent zone.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "config/config_loader.hpp"
#include "dnssec/dnssec_keys.hpp"
#include "dns/name.hpp"

namespace gtm::cli {

int dnssecCommand(const Args& args) {
  if (args.size() < 2 || args[0] != "ds") {
    std::cerr << "usage: gtm dnssec ds ZONE --config FILE\n";
    return 2;
  }
  std::string path, error;
  if (!configPathFrom(Args(args.begin() + 2, args.end()), path, error)) {
    std::cerr << "gtm dnssec: " << error << "\n";
    return 2;
  }
  auto loaded = config::loadFile(path);
  if (!loaded.ok()) {
    std::cerr << loaded.diagnostics.format();
    return 1;
  }
  auto wanted = dns::toWireName(!args[1].empty() && args[1].back() == '.' ? args[1] : args[1] + ".", {});
  if (!wanted) {
    std::cerr << "gtm dnssec: " << args[1] << ": " << wanted.error() << "\n";
    return 2;
  }
  for (const config::Zone& z : loaded.config.zones) {
    auto origin = dns::toWireName(z.origin, {});
    if (!origin || *origin != *wanted) continue;
    if (!z.dnssec) {
      std::cerr << "gtm dnssec: zone " << z.origin << " has no dnssec keys\n";
      return 1;
    }
    int printed = 0;
    for (const config::DnssecKey& k : z.dnssec->keys) {
      auto key = dns::loadZoneKey(k, *origin);
      if (!key) {
        std::cerr << path << ":" << k.where.line << ":" << k.where.column << ": " << key.error() << "\n";
        return 1;
      }
      if (!key->sep) continue;
      std::cout << dns::dsRecord(*key, *origin, z.ttl) << "\n";
      ++printed;
    }
    if (printed == 0) std::cerr << "gtm dnssec: no key of zone " << z.origin << " has the SEP flag\n";
    return printed ? 0 : 1;
  }
  std::cerr << "gtm dnssec: no zone " << args[1] << " in " << path << "\n";
  return 1;
}

}  // namespace gtm::cli
