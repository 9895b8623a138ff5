#include "monitor/probe.hpp"

#include <cstdio>

#include "monitor/crl_probe.hpp"
#include "monitor/gtm_lb_probe.hpp"
#include "monitor/ikev2_probe.hpp"
#include "monitor/radius_probe.hpp"
#include "monitor/web_probes.hpp"

namespace gtm::monitor {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

Result<std::unique_ptr<Probe>> makeProbe(const config::Monitor& m) {
  using P = config::Monitor::Protocol;
  switch (m.protocol) {
    case P::tcp: return std::unique_ptr<Probe>(std::make_unique<TcpProbe>(m));
    case P::http:
    case P::https: return std::unique_ptr<Probe>(std::make_unique<HttpProbe>(m));
    case P::sstp:
      if (m.sstp_mode == config::Monitor::SstpMode::handshake)
        return std::unique_ptr<Probe>(std::make_unique<SstpHandshakeProbe>(m));
      return std::unique_ptr<Probe>(std::make_unique<HttpProbe>(m));
    case P::ikev2: return Ikev2Probe::create(m);
    case P::radius: return std::unique_ptr<Probe>(std::make_unique<RadiusProbe>(m));
    case P::gtm_lb: return std::unique_ptr<Probe>(std::make_unique<GtmLbProbe>(m));
    case P::crl: return std::unique_ptr<Probe>(std::make_unique<CrlProbe>(m));
  }
  return Error{"unknown protocol"};
}

}  // namespace gtm::monitor
