// RADIUS probe: sends an Access-Request for the monitor's test account (or a
// Status-Server), retransmits inside the timeout with the same ID and
// authenticator (RFC 5080 2.2.1), and judges the answer by radius_expect:
// Access-Accept passes; Access-Reject passes only with "answer". A reply
// that our shared secret does not authenticate (or that lacks the
// Message-Authenticator a server sends) is discarded, as RFC 2865 3 says,
// and the probe waits on for the genuine one; when none comes it fails
// naming what was discarded. ICMP port unreachable, seen as an error on the
// connected socket, fails at once.
#pragma once

#include <set>
#include <string>

#include "monitor/probe.hpp"

namespace gtm::monitor {

class RadiusProbe : public Probe {
 public:
  explicit RadiusProbe(const config::Monitor& m) : monitor_(m) {}
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;

 private:
  config::Monitor monitor_;
  std::set<std::string> signing_servers_;  // "ADDRESS|PORT" of servers that sent a Message-Authenticator
};

}  // namespace gtm::monitor
