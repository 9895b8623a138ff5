// gtm-lb probe: reads a gtm lb's status API (the monitor's url, or the
// target's port and path) and judges it by monitor/balancer_report: Online
// while each watched service has min_reals real servers taking new clients.
// The site's state then follows what its balancer already knows, with the
// balancer's counts and reasons, instead of gtm serve's own probe timings.
// A balancer that cannot be read (refused, timeout, not 200, not its JSON)
// is a failed probe.
#pragma once

#include "monitor/web_probes.hpp"

namespace gtm::monitor {

class GtmLbProbe : public WebProbeBase {
 public:
  using WebProbeBase::WebProbeBase;
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;
};

}  // namespace gtm::monitor
