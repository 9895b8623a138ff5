#include "monitor/crl_probe.hpp"

#include <openssl/pem.h>

#include <boost/asio/this_coro.hpp>

#include "monitor/crl_verdict.hpp"
#include "monitor/http_fetch.hpp"
#include "monitor/http_response.hpp"
#include "monitor/tcp_session.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;

CrlProbe::CrlProbe(const config::Monitor& m) : WebProbeBase(m) {
  BIO* bio = BIO_new_mem_buf(m.ca_pem.data(), static_cast<int>(m.ca_pem.size()));
  if (!bio) return;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) issuers_.push_back(cert);
  BIO_free(bio);
}

CrlProbe::~CrlProbe() {
  for (X509* c : issuers_) X509_free(c);
}

asio::awaitable<ProbeResult> CrlProbe::run(ProbeTarget target) {
  ProbeResult result;
  // A url with an IP literal is fetched there; a name, from each target.
  ProbeTarget server = monitor_.url_address ? ProbeTarget{*monitor_.url_address, monitor_.port}
                                            : ProbeTarget{target.address, monitor_.port};
  TcpSession session(co_await asio::this_coro::executor, nullptr, monitor_.timeout);
  const std::string where = "CRL " + monitor_.url + " from " + server.address.toString() + ": ";
  if (!co_await open(session, server, result)) {
    session.close();
    result.reason = where + result.reason + " (Windows clients that need it fail with 0x80092013)";
    co_return result;
  }
  std::string host = monitor_.host;
  if (server.port != 80) host += ":" + std::to_string(server.port);
  HttpResponse response(kMaxCrlBytes);
  bool whole = co_await exchangeWhole(session, httpRequestHead("GET", monitor_.path, host) + "\r\n", response, result,
                                      "reading the CRL");
  session.close();
  if (!whole) {
    result.reason = where + result.reason;
    co_return result;
  }
  if (response.status() != 200) {
    result.up = false;
    result.reason = where + "HTTP " + std::to_string(response.status()) + ", expected 200";
    co_return result;
  }
  auto now = std::chrono::system_clock::now();
  CrlVerdict v = judgeCrl(response.body(), issuers_, nullptr, now, std::chrono::hours(monitor_.warn_crl_hours),
                          monitor_.url);
  result.up = v.status == CrlVerdict::Status::good;
  result.reason = v.reason;
  if (v.expiring) result.warning = v.reason;
  result.crl_seconds_left = v.secondsLeft(now);
  if (v.this_update) result.details.emplace_back("thisUpdate", utcText(*v.this_update));
  if (v.next_update) result.details.emplace_back("nextUpdate", utcText(*v.next_update));
  result.details.emplace_back("bytes", std::to_string(response.body().size()));
  co_return result;
}

}  // namespace gtm::monitor
