// One TCP connection of a probe, plain or TLS, with the probe's deadline.
// Every step returns false on failure after writing a reason a person can
// act on into the result ("connection refused", "timeout after 5.0 s
// waiting for the HTTP response", "TLS handshake failed: ...").
#pragma once

#include <openssl/ssl.h>

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "monitor/deadline.hpp"
#include "monitor/probe.hpp"

namespace gtm::monitor {

class TcpSession {
 public:
  using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  // `tls` may be null for plain TCP; `timeout` bounds the whole session.
  TcpSession(boost::asio::any_io_executor ex, boost::asio::ssl::context* tls, double timeout);

  // From `source` when given (the socket is bound to it first).
  boost::asio::awaitable<bool> connect(const ProbeTarget& target, const std::optional<IpAddress>& source,
                                       ProbeResult& result);
  // TLS: SNI from `host` (when it is a name), verification when asked,
  // resumption of `resume` when given. Records version and certificate.
  boost::asio::awaitable<bool> handshake(const std::string& host, bool verify, unsigned warn_cert_days,
                                         SSL_SESSION* resume, ProbeResult& result);
  boost::asio::awaitable<bool> write(std::span<const uint8_t> bytes, ProbeResult& result, const char* what);
  // Some bytes into `buffer`; 0 with a reason on failure or end of stream.
  boost::asio::awaitable<size_t> readSome(std::span<uint8_t> buffer, ProbeResult& result, const char* what);
  // After a read returned 0: the server closed the connection (rather than
  // the deadline passing or an error), which ends a body sent without a size.
  [[nodiscard]] bool closedByPeer() const { return closed_by_peer_; }

  // After a verified full handshake: the chain as verified, the server's
  // certificate first and the trust anchor last (a new reference: free
  // with sk_X509_pop_free(chain, X509_free)); else null.
  [[nodiscard]] STACK_OF(X509)* verifiedChain() const;
  // The TLS session to resume next time (new reference), or null.
  [[nodiscard]] SSL_SESSION* takeSession();
  // When the server's certificate was last seen: set by a full handshake;
  // a resumed one keeps what the caller set with the session it resumed.
  std::chrono::steady_clock::time_point certificate_seen;
  void close();

 private:
  void fail(ProbeResult& result, const boost::system::error_code& ec, const char* what);

  std::shared_ptr<Stream> stream_;
  bool tls_ = false;
  bool closed_by_peer_ = false;
  double timeout_;
  std::optional<Deadline> deadline_;
};

}  // namespace gtm::monitor
