// The probes that speak TCP: plain TCP connect, HTTP and HTTPS with expected
// status ranges and custom headers (which is also SSTP's "status" mode: a GET
// of the SSTP URI that RRAS answers with 401), and SSTP's "handshake" mode.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <map>
#include <memory>

#include "monitor/probe.hpp"

namespace gtm::monitor {

class TcpSession;
class RevocationCheck;

class TcpProbe : public Probe {
 public:
  explicit TcpProbe(const config::Monitor& m) : monitor_(m) {}
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;

 private:
  config::Monitor monitor_;
};

// Shared by the HTTP-speaking probes: the TLS context and the sessions kept
// per target for resumption.
class WebProbeBase : public Probe {
 public:
  explicit WebProbeBase(const config::Monitor& m);
  ~WebProbeBase() override;

 protected:
  // Connects and, for TLS protocols, shakes hands (resuming when it can).
  boost::asio::awaitable<bool> open(TcpSession& session, const ProbeTarget& target, ProbeResult& result);
  // Sends `request` and reads the response head into `head`.
  boost::asio::awaitable<bool> exchange(TcpSession& session, std::string_view request, class HttpResponseHead& head,
                                        ProbeResult& result);
  void keepSession(TcpSession& session, const ProbeTarget& target);
  // check_revocation: the chain the session's server presented, checked by
  // `deadline` at the latest; what fails warns or fails the result
  // (revocation_failure). Nothing without check_revocation or a verified chain.
  boost::asio::awaitable<void> checkRevocation(TcpSession& session, std::chrono::steady_clock::time_point deadline,
                                               ProbeResult& result);
  [[nodiscard]] std::string hostFor(const ProbeTarget& target) const;
  [[nodiscard]] bool tls() const { return tls_ != nullptr; }

  config::Monitor monitor_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  // The session to resume per target, and when its certificate was last
  // seen in a full handshake. Taken out while a probe runs: a probe that
  // fails leaves none, so the next one shakes hands in full.
  struct KeptSession {
    SSL_SESSION* session = nullptr;
    std::chrono::steady_clock::time_point full_handshake;
  };
  std::map<std::pair<std::string, uint16_t>, KeptSession> sessions_;
  std::unique_ptr<RevocationCheck> revocation_;  // with check_revocation
};

class HttpProbe : public WebProbeBase {
 public:
  using WebProbeBase::WebProbeBase;
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;
};

class SstpHandshakeProbe : public WebProbeBase {
 public:
  using WebProbeBase::WebProbeBase;
  boost::asio::awaitable<ProbeResult> run(ProbeTarget target) override;

 private:
  boost::asio::awaitable<void> callConnect(TcpSession& session, const ProbeTarget& target, ProbeResult& result);
};

}  // namespace gtm::monitor
