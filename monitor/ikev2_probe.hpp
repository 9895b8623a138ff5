// IKEv2 probe: sends the IKE_SA_INIT request a client would (UDP 500, or
// 4500 with the non-ESP marker), retransmits inside the timeout, and calls
// the daemon alive on any well-formed response to our SPI. ICMP port
// unreachable, seen as an error on the connected socket, fails at once.
#pragma once

#include <vector>

#include "monitor/probe.hpp"

namespace gtm::monitor {

class Ikev2Probe : public Probe {
 public:
  // Makes the KE value once for every probe of this monitor.
  static Result<std::unique_ptr<Probe>> create(const config::Monitor& m);
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;

 private:
  Ikev2Probe(const config::Monitor& m, std::vector<uint8_t> ke) : monitor_(m), ke_(std::move(ke)) {}

  config::Monitor monitor_;
  std::vector<uint8_t> ke_;
};

}  // namespace gtm::monitor
