// Debian's unbound as a validating resolver for a test: the zone's DS as
// its trust anchor and one server (gtm, or a secondary) as the zone's stub,
// on a port of its own on 127.0.0.1; and what it answers, asked with DO.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/gtm_process.hpp"

namespace gtm::test {

struct ValidatingResolver {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
};

// Why unbound cannot run here, or "".
[[nodiscard]] std::string unboundMissing();

// `anchor`: a DS record line (gtm dnssec ds); `zone`: "vpn.example.com".
[[nodiscard]] ValidatingResolver startUnbound(const std::string& dir, const std::string& anchor,
                                              const std::string& zone, uint16_t stub_port);

struct Resolved {
  std::string rcode;  // NOERROR, NXDOMAIN, SERVFAIL...
  bool ad = false;
  std::string answers;  // the answer section's data, one per line, RRSIGs left out
  std::string output;   // dig's whole output
};

// Asks the resolver with the DO bit; what it answered and whether it
// validated.
[[nodiscard]] Resolved resolve(uint16_t resolver, const std::string& name, const std::string& type);

}  // namespace gtm::test
