#include "common/asio_address.hpp"
#include "monitor/tcp_session.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>


namespace gtm::monitor {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::ssl::context& plainContext() {
  // Never used for a handshake: only there so that one stream type serves
  // plain and TLS sessions.
  static asio::ssl::context ctx(asio::ssl::context::tls_client);
  return ctx;
}

std::string subjectOf(X509* cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

}  // namespace

TcpSession::TcpSession(asio::any_io_executor ex, asio::ssl::context* tls, double timeout)
    : stream_(std::make_shared<Stream>(ex, tls ? *tls : plainContext())), tls_(tls != nullptr), timeout_(timeout) {
  deadline_.emplace(stream_, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(timeout)));
}

void TcpSession::fail(ProbeResult& result, const boost::system::error_code& ec, const char* what) {
  result.up = false;
  if (deadline_->expired()) {
    result.reason = "timeout after " + seconds(timeout_) + " " + what;
  } else if (ec == asio::error::connection_refused) {
    result.reason = "connection refused";
  } else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    closed_by_peer_ = true;
    result.reason = std::string("connection closed by the server ") + what;
  } else if (ec == asio::error::connection_reset) {
    result.reason = std::string("connection reset by the server ") + what;
  } else {
    result.reason = ec.message() + " " + what;
  }
}

asio::awaitable<bool> TcpSession::connect(const ProbeTarget& target, const std::optional<IpAddress>& source,
                                          ProbeResult& result) {
  boost::system::error_code ec;
  if (source) {
    auto& socket = stream_->lowest_layer();
    socket.open(source->family == IpAddress::Family::v4 ? tcp::v4() : tcp::v6(), ec);
    if (!ec) socket.bind(tcp::endpoint(toAsio(*source), 0), ec);
    if (ec) {
      result.up = false;
      result.reason = "cannot probe from " + source->toString() + ": " + ec.message();
      co_return false;
    }
  }
  co_await stream_->lowest_layer().async_connect(tcp::endpoint(toAsio(target.address), target.port),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    fail(result, ec, "connecting");
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> TcpSession::handshake(const std::string& host, bool verify, unsigned warn_cert_days,
                                            SSL_SESSION* resume, ProbeResult& result) {
  SSL* ssl = stream_->native_handle();
  // SNI carries names only, never addresses (RFC 6066 section 3).
  if (!host.empty() && !IpAddress::parse(host)) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (verify) {
    stream_->set_verify_mode(asio::ssl::verify_peer);
    if (!host.empty()) stream_->set_verify_callback(asio::ssl::host_name_verification(host));
  } else {
    stream_->set_verify_mode(asio::ssl::verify_none);
  }
  if (resume) SSL_set_session(ssl, resume);
  boost::system::error_code ec;
  co_await stream_->async_handshake(Stream::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (deadline_->expired() || ec.category() != asio::error::get_ssl_category()) {
      fail(result, ec, "in the TLS handshake");
    } else {
      result.up = false;
      std::string why = ec.message();
      if (auto paren = why.find(" ("); paren != std::string::npos) why.resize(paren);
      long verify_result = SSL_get_verify_result(ssl);
      if (verify && verify_result != X509_V_OK)
        why += std::string(" (") + X509_verify_cert_error_string(verify_result) + ")";
      result.reason = "TLS handshake failed: " + why;
    }
    co_return false;
  }
  result.tls_version = SSL_get_version(ssl);
  if (SSL_session_reused(ssl) != 1) certificate_seen = std::chrono::steady_clock::now();
  if (X509* cert = SSL_get1_peer_certificate(ssl)) {
    result.cert_subject = subjectOf(cert);
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert))) {
      result.cert_days_left = days;
      if (days < 0 || (days == 0 && secs < 0))
        result.warning = "certificate expired " + std::to_string(-days) + " days ago";
      else if (static_cast<unsigned>(days) < warn_cert_days)
        result.warning = "certificate expires in " + std::to_string(days) + " days";
    }
    X509_free(cert);
  }
  co_return true;
}

asio::awaitable<bool> TcpSession::write(std::span<const uint8_t> bytes, ProbeResult& result, const char* what) {
  boost::system::error_code ec;
  if (tls_)
    co_await asio::async_write(*stream_, asio::buffer(bytes.data(), bytes.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
  else
    co_await asio::async_write(stream_->next_layer(), asio::buffer(bytes.data(), bytes.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    fail(result, ec, what);
    co_return false;
  }
  co_return true;
}

asio::awaitable<size_t> TcpSession::readSome(std::span<uint8_t> buffer, ProbeResult& result, const char* what) {
  boost::system::error_code ec;
  size_t n;
  if (tls_)
    n = co_await stream_->async_read_some(asio::buffer(buffer.data(), buffer.size()),
                                         asio::redirect_error(asio::use_awaitable, ec));
  else
    n = co_await stream_->next_layer().async_read_some(asio::buffer(buffer.data(), buffer.size()),
                                                       asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    fail(result, ec, what);
    co_return 0;
  }
  co_return n;
}

STACK_OF(X509)* TcpSession::verifiedChain() const {
  if (!tls_) return nullptr;
  SSL* ssl = stream_->native_handle();
  if (SSL_session_reused(ssl) == 1 || SSL_get_verify_result(ssl) != X509_V_OK) return nullptr;
  STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
  return chain ? X509_chain_up_ref(chain) : nullptr;
}

SSL_SESSION* TcpSession::takeSession() { return tls_ ? SSL_get1_session(stream_->native_handle()) : nullptr; }

void TcpSession::close() {
  // Marked as shut down, OpenSSL keeps the session resumable; a plain close
  // would make it discard the session at SSL_free. No close_notify is sent.
  if (tls_) SSL_set_shutdown(stream_->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  boost::system::error_code ignored;
  stream_->lowest_layer().close(ignored);
}

}  // namespace gtm::monitor
