#include "monitor/web_probes.hpp"

#include <openssl/rand.h>

#include <boost/asio/this_coro.hpp>
#include <cstdio>

#include "monitor/http_fetch.hpp"
#include "monitor/http_response.hpp"
#include "monitor/revocation_check.hpp"
#include "monitor/sstp_message.hpp"
#include "monitor/tcp_session.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;

namespace {

std::span<const uint8_t> bytesOf(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

bool expected(const config::Monitor& m, int status) {
  for (const auto& r : m.expected_status)
    if (status >= r.low && status <= r.high) return true;
  return false;
}

std::string expectedText(const config::Monitor& m) {
  std::string out;
  for (const auto& r : m.expected_status) {
    if (!out.empty()) out += ",";
    out += std::to_string(r.low);
    if (r.high != r.low) out += "-" + std::to_string(r.high);
  }
  return out;
}

std::string randomGuid() {
  uint8_t b[16];
  RAND_bytes(b, sizeof b);
  char out[40];
  std::snprintf(out, sizeof out, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

}  // namespace

asio::awaitable<ProbeResult> TcpProbe::run(ProbeTarget target) {
  ProbeResult result;
  TcpSession session(co_await asio::this_coro::executor, nullptr, monitor_.timeout);
  if (co_await session.connect(target, monitor_.source, result)) {
    result.up = true;
    result.reason = "TCP connection accepted";
  }
  session.close();
  co_return result;
}

WebProbeBase::WebProbeBase(const config::Monitor& m) : monitor_(m) {
  using P = config::Monitor::Protocol;
  if (m.protocol == P::https || m.protocol == P::sstp || (m.protocol == P::gtm_lb && m.url_tls)) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    tls_->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
    if (m.verify_tls) {
      boost::system::error_code ec;
      // ca_file was read at load (while root, if started as root).
      if (m.ca_pem.empty())
        tls_->set_default_verify_paths(ec);
      else
        tls_->add_certificate_authority(boost::asio::buffer(m.ca_pem), ec);
      // Nothing to trust means every handshake fails verification, which the
      // probe then reports; config loading already checked the file.
    }
    // One session per target is kept in sessions_; OpenSSL's own store would
    // keep every session ever made (20,000 by default): a dead server that
    // comes back, or one issuing new tickets, would grow memory for hours.
    SSL_CTX_set_session_cache_mode(tls_->native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  }
  if (m.check_revocation && m.verify_tls && tls_) revocation_ = std::make_unique<RevocationCheck>(m);
}

WebProbeBase::~WebProbeBase() {
  for (auto& [key, kept] : sessions_) SSL_SESSION_free(kept.session);
}

std::string WebProbeBase::hostFor(const ProbeTarget& target) const {
  if (!monitor_.host.empty()) return monitor_.host;
  std::string ip = target.address.toString();
  return target.address.family == IpAddress::Family::v6 ? "[" + ip + "]" : ip;
}

asio::awaitable<bool> WebProbeBase::open(TcpSession& session, const ProbeTarget& target, ProbeResult& result) {
  if (!co_await session.connect(target, monitor_.source, result)) co_return false;
  if (!tls_) co_return true;
  // A resumed handshake shows no certificate. With verify_tls every probe
  // shakes hands in full, so a certificate that expired, was swapped or no
  // longer names `host` fails the very next probe. Otherwise sessions are
  // resumed, with a full handshake at least every 10 intervals (so that
  // the days left stay current) and after any failure.
  SSL_SESSION* resume = nullptr;
  auto it = sessions_.find({target.address.toString(), target.port});
  if (it != sessions_.end()) {
    auto fresh_for = std::chrono::duration<double>(10 * monitor_.interval);
    if (!monitor_.verify_tls && std::chrono::steady_clock::now() - it->second.full_handshake < fresh_for) {
      resume = it->second.session;
      session.certificate_seen = it->second.full_handshake;
    } else {
      SSL_SESSION_free(it->second.session);
    }
    sessions_.erase(it);
  }
  bool ok = co_await session.handshake(monitor_.host, monitor_.verify_tls, monitor_.warn_cert_days, resume, result);
  if (resume) SSL_SESSION_free(resume);
  co_return ok;
}

void WebProbeBase::keepSession(TcpSession& session, const ProbeTarget& target) {
  if (monitor_.verify_tls) return;
  SSL_SESSION* fresh = session.takeSession();
  if (!fresh) return;
  KeptSession& slot = sessions_[{target.address.toString(), target.port}];
  if (slot.session) SSL_SESSION_free(slot.session);
  slot.session = fresh;
  slot.full_handshake = session.certificate_seen;
}

asio::awaitable<void> WebProbeBase::checkRevocation(TcpSession& session, std::chrono::steady_clock::time_point deadline,
                                                    ProbeResult& result) {
  if (!revocation_) co_return;
  STACK_OF(X509)* chain = session.verifiedChain();
  if (!chain) co_return;  // no full, verified handshake: the probe failed before
  RevocationCheck::Report report = co_await revocation_->check(chain, deadline);
  sk_X509_pop_free(chain, X509_free);
  auto joined = [](const std::vector<std::string>& texts) {
    std::string out;
    for (const std::string& t : texts) out += (out.empty() ? "" : "; ") + t;
    return out;
  };
  result.revocation_ok = report.problems.empty();
  if (report.crl_seconds_left) result.crl_seconds_left = report.crl_seconds_left;
  result.details.insert(result.details.end(), report.details.begin(), report.details.end());
  std::string problem = joined(report.problems), warning = joined(report.warnings);
  if (!problem.empty()) {
    if (monitor_.revocation_failure == config::Monitor::RevocationFailure::degraded) {
      result.reason = result.up ? problem : result.reason + "; " + problem;
      result.up = false;
      result.full = false;
    } else {
      // warn: the state stays (the same CRL usually serves every site, so
      // another site would fail the same way); the reason and the warning say it.
      result.reason += "; revocation check failed: " + problem;
      warning = problem + (warning.empty() ? "" : "; " + warning);
    }
  }
  if (!warning.empty()) result.warning = result.warning.empty() ? warning : result.warning + "; " + warning;
}

asio::awaitable<bool> WebProbeBase::exchange(TcpSession& session, std::string_view request, HttpResponseHead& head,
                                             ProbeResult& result) {
  if (!co_await session.write(bytesOf(request), result, "sending the HTTP request")) co_return false;
  std::array<uint8_t, 4096> buf;
  for (;;) {
    size_t n = co_await session.readSome(buf, result, "waiting for the HTTP response");
    if (n == 0) co_return false;
    switch (head.feed({reinterpret_cast<const char*>(buf.data()), n})) {
      case HttpResponseHead::Progress::need_more: continue;
      case HttpResponseHead::Progress::complete: result.http_status = head.status(); co_return true;
      case HttpResponseHead::Progress::invalid:
        result.up = false;
        result.reason = head.error();
        co_return false;
    }
  }
}

asio::awaitable<ProbeResult> HttpProbe::run(ProbeTarget target) {
  ProbeResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                std::chrono::duration<double>(monitor_.timeout));
  TcpSession session(co_await asio::this_coro::executor, tls_.get(), monitor_.timeout);
  if (co_await open(session, target, result)) {
    std::string request = httpRequestHead("GET", monitor_.path, hostFor(target));
    for (const auto& [name, value] : monitor_.headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    HttpResponseHead head;
    // Only the head is read: a body, however long, is never waited for.
    if (co_await exchange(session, request, head, result)) {
      result.up = expected(monitor_, head.status());
      result.reason = "HTTP " + std::to_string(head.status()) +
                      (result.up ? "" : ", expected " + expectedText(monitor_));
      keepSession(session, target);
    }
  }
  session.close();
  co_await checkRevocation(session, deadline, result);
  co_return result;
}

asio::awaitable<ProbeResult> SstpHandshakeProbe::run(ProbeTarget target) {
  ProbeResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                std::chrono::duration<double>(monitor_.timeout));
  TcpSession session(co_await asio::this_coro::executor, tls_.get(), monitor_.timeout);
  if (co_await open(session, target, result)) co_await callConnect(session, target, result);
  session.close();
  co_await checkRevocation(session, deadline, result);
  co_return result;
}

asio::awaitable<void> SstpHandshakeProbe::callConnect(TcpSession& session, const ProbeTarget& target,
                                                      ProbeResult& result) {
  HttpResponseHead head;
  std::string request = sstp::duplexPostRequest(monitor_.path, hostFor(target), randomGuid());
  if (!co_await exchange(session, request, head, result)) {
    co_return;
  }
  keepSession(session, target);
  // RRAS fails SSTP_DUPLEX_POST with an HTTP error when it has no free port
  // (MS-SSTP section 4.1); 503 says exactly that.
  if (head.status() == 503) {
    result.up = true;
    result.full = true;
    result.reason = "SSTP_DUPLEX_POST answered HTTP 503: no free ports (full)";
    co_return;
  }
  auto length = head.header("content-length");
  if (head.status() != 200 || !length || *length != sstp::kStreamLength) {
    result.up = false;
    result.reason = "SSTP_DUPLEX_POST answered HTTP " + std::to_string(head.status()) +
                    (head.status() == 200 ? " without Content-Length " + std::string(sstp::kStreamLength)
                                          : ", expected 200");
    co_return;
  }
  auto connect = sstp::callConnectRequest();
  if (!co_await session.write(connect, result, "sending the SSTP Call Connect Request")) {
    co_return;
  }
  std::vector<uint8_t> received(head.body().begin(), head.body().end());
  std::array<uint8_t, 512> buf;
  for (;;) {
    sstp::ControlPacket packet = sstp::readControlPacket(received);
    if (packet.progress == sstp::ControlPacket::Progress::invalid) {
      result.up = false;
      result.reason = "SSTP: " + packet.error;
      break;
    }
    if (packet.progress == sstp::ControlPacket::Progress::complete) {
      result.up = packet.message_type == sstp::message::CALL_CONNECT_ACK;
      result.reason = result.up ? "SSTP Call Connect Ack received"
                                : "SSTP: " + sstp::messageName(packet.message_type) + " instead of CALL_CONNECT_ACK";
      break;
    }
    if (received.size() > 4096) {
      result.up = false;
      result.reason = "SSTP: no control packet in 4096 bytes";
      break;
    }
    size_t n = co_await session.readSome(buf, result, "waiting for the SSTP Call Connect Ack");
    if (n == 0) break;
    received.insert(received.end(), buf.begin(), buf.begin() + static_cast<long>(n));
  }
  // The probe stops here: no PPP, no call. The server drops the half-open
  // call when the connection closes.
}

}  // namespace gtm::monitor
