// RADIUS probe: sends an Access-Request for the monitor's test account (or a
// Status-Server), retransmits inside the timeout with the same ID and
// authenticator (RFC 5080 2.2.1), and judges the answer by radius_expect:
// Access-Accept passes; Access-Reject passes only with "answer". A response
// that our shared secret does not authenticate fails with that reason. ICMP
// port unreachable, seen as an error on the connected socket, fails at once.
#pragma once

#include "monitor/probe.hpp"

namespace gtm::monitor {

class RadiusProbe : public Probe {
 public:
  explicit RadiusProbe(const config::Monitor& m) : monitor_(m) {}
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;

 private:
  config::Monitor monitor_;
};

}  // namespace gtm::monitor
