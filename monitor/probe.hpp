// A probe: one health check of one address, asynchronous on the monitor
// engine's io_context and bounded in time by the monitor's timeout. There is
// one implementation per protocol; makeProbe() picks it from the config.
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "config/config.hpp"

namespace gtm::monitor {

struct ProbeTarget {
  IpAddress address;
  uint16_t port = 0;
};

struct ProbeResult {
  bool up = false;
  std::string reason;  // one line a person can act on
  std::chrono::microseconds latency{0};
  int http_status = 0;
  std::string tls_version;
  std::string cert_subject;
  std::optional<int> cert_days_left;
  std::string warning;  // e.g. a certificate about to expire; does not make the probe fail
  // Up, but taking no new clients (RRAS out of ports): a balancer drains
  // it, keeping its flows; DNS answers another endpoint while there is one.
  bool full = false;
  // What the probe learned of the server beside its verdict, in order
  // ("proposal", "fragmentation", ...): shown by gtm probe --verbose and in
  // each check's status.
  std::vector<std::pair<std::string, std::string>> details;
  // crl, and check_revocation: seconds until the (soonest) CRL's nextUpdate
  // (negative once past).
  std::optional<double> crl_seconds_left;
  // gtm-lb: real servers taking new clients behind the balancer (the
  // fewest of the watched services).
  std::optional<unsigned> reals_online;
  // check_revocation: whether Windows clients would accept the chain's
  // revocation status now; unset when not checked.
  std::optional<bool> revocation_ok;
};

class Probe {
 public:
  virtual ~Probe() = default;
  // Never throws; every failure is a result with up = false and a reason.
  virtual boost::asio::awaitable<ProbeResult> run(ProbeTarget target) = 0;
};

[[nodiscard]] Result<std::unique_ptr<Probe>> makeProbe(const config::Monitor& monitor);

// "5.0 s", "0.5 s": how timeouts read in reasons.
[[nodiscard]] std::string seconds(double s);

}  // namespace gtm::monitor
