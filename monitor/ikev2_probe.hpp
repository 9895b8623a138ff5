// IKEv2 probe: sends the IKE_SA_INIT request a client would (UDP 500, or
// 4500 with the non-ESP marker), retransmits inside the timeout, and calls
// the daemon alive on any well-formed response to our SPI. Like a client,
// it answers a COOKIE challenge and an INVALID_KE_PAYLOAD (with the group
// asked for) within the same timeout, so that the full response's
// diagnostics (proposal, fragmentation, NAT, vendor IDs) are seen. ICMP
// port unreachable, seen as an error on the connected socket, fails at once.
#pragma once

#include <map>
#include <vector>

#include "monitor/probe.hpp"

namespace gtm::monitor {

class Ikev2Probe : public Probe {
 public:
  // Makes the KE values (groups 2, 14, 19 and 20) once for every probe of
  // this monitor.
  static Result<std::unique_ptr<Probe>> create(const config::Monitor& m);
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;

 private:
  Ikev2Probe(const config::Monitor& m, std::map<uint16_t, std::vector<uint8_t>> ke)
      : monitor_(m), ke_(std::move(ke)) {}

  config::Monitor monitor_;
  std::map<uint16_t, std::vector<uint8_t>> ke_;  // by DH group
};

}  // namespace gtm::monitor
