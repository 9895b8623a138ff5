// crl probe: fetches the CRL at the monitor's url (plain HTTP, as Windows
// fetches distribution points; at most 10 MiB) and judges it against the
// issuer in ca_file (monitor/crl_verdict): Online while it is signed by
// that issuer and current; a warning when nextUpdate is within
// warn_crl_hours. For the CRL that NPS and RRAS need to check device and
// user certificates (IKEv2 machine certificates), which no server presents
// to a probe: a site can depend on it.
#pragma once

#include <openssl/x509.h>

#include <vector>

#include "monitor/web_probes.hpp"

namespace gtm::monitor {

class CrlProbe : public WebProbeBase {
 public:
  explicit CrlProbe(const config::Monitor& m);
  ~CrlProbe() override;
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;

 private:
  std::vector<X509*> issuers_;  // from ca_file, read once
};

}  // namespace gtm::monitor
