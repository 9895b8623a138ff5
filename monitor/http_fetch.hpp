// One plain-HTTP request to a URL named by a certificate (a CRL
// distribution point, an OCSP responder), as Windows makes it: the name
// resolved by the system's resolver, each address tried in turn, a few
// redirects followed (http:// only), the body bounded, and the whole of it,
// resolution included, within one time limit.
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"
#include "monitor/probe.hpp"

namespace gtm::monitor {

class TcpSession;
class HttpResponse;

// "GET /path HTTP/1.1" with Host, User-Agent, Accept and Connection: close,
// as every probe asks; the caller adds its own headers and the blank line.
[[nodiscard]] std::string httpRequestHead(std::string_view method, std::string_view path, std::string_view host,
                                          std::string_view accept = "*/*");

// Sends `request` on an open session and reads the whole response, head and
// body, bounded by `response`, reading as `what`; false with result.reason
// set when it did not come whole. Sets result.http_status.
[[nodiscard]] boost::asio::awaitable<bool> exchangeWhole(TcpSession& session, std::string_view request,
                                                         HttpResponse& response, ProbeResult& result, const char* what);

struct HttpFetchRequest {
  std::string url;           // http://host[:port]/path
  std::string body;          // empty: GET; else POST with content_type
  std::string content_type;
  size_t max_body = 0;
  double timeout = 5.0;      // seconds, for everything
  std::optional<IpAddress> source;
  unsigned max_redirects = 3;
};

struct HttpFetchResult {
  bool ok = false;      // a 200 response came whole
  std::string body;
  std::string error;    // else why not: "connection refused", "HTTP 404", "timeout after 5.0 s connecting"
};

[[nodiscard]] boost::asio::awaitable<HttpFetchResult> httpFetch(boost::asio::any_io_executor ex,
                                                               HttpFetchRequest request);

}  // namespace gtm::monitor
