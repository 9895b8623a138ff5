#include "monitor/http_fetch.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <vector>

#include "common/asio_address.hpp"
#include "common/http_url.hpp"
#include "monitor/http_response.hpp"
#include "monitor/tcp_session.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

double secondsLeft(Clock::time_point deadline) {
  return std::chrono::duration<double>(deadline - Clock::now()).count();
}

// The host's addresses: an IP literal as it is, a name by the system's
// resolver (getaddrinfo on Asio's own thread), given up at the deadline.
asio::awaitable<std::vector<IpAddress>> resolve(asio::any_io_executor ex, const std::string& host,
                                                Clock::time_point deadline, std::string& error) {
  if (auto literal = IpAddress::parse(host)) co_return std::vector<IpAddress>{*literal};
  auto resolver = std::make_shared<tcp::resolver>(ex);
  asio::steady_timer limit(ex);
  limit.expires_at(deadline);
  limit.async_wait([resolver](const boost::system::error_code& ec) {
    if (!ec) resolver->cancel();
  });
  boost::system::error_code ec;
  auto found = co_await resolver->async_resolve(host, "", asio::redirect_error(asio::use_awaitable, ec));
  limit.cancel();
  std::vector<IpAddress> out;
  if (ec) {
    error = ec == asio::error::operation_aborted ? "no address for " + host + " in time (DNS)"
                                                 : "cannot resolve " + host + ": " + ec.message();
    co_return out;
  }
  for (const auto& entry : found) {
    IpAddress ip = fromAsio(entry.endpoint().address());
    bool seen = false;
    for (const IpAddress& o : out) seen = seen || o == ip;
    if (!seen && out.size() < 8) out.push_back(ip);
  }
  if (out.empty()) error = "no address for " + host;
  co_return out;
}

}  // namespace

std::string httpRequestHead(std::string_view method, std::string_view path, std::string_view host,
                            std::string_view accept) {
  std::string head;
  head.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  head.append("\r\nUser-Agent: gtm-monitor\r\nAccept: ").append(accept).append("\r\nConnection: close\r\n");
  return head;
}

asio::awaitable<bool> exchangeWhole(TcpSession& session, std::string_view request, HttpResponse& response,
                                    ProbeResult& result, const char* what) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(request.data());
  if (!co_await session.write({bytes, request.size()}, result, "sending the HTTP request")) co_return false;
  std::array<uint8_t, 16384> buf;
  auto progress = HttpResponse::Progress::need_more;
  while (progress == HttpResponse::Progress::need_more) {
    size_t n = co_await session.readSome(buf, result, what);
    if (n == 0 && !session.closedByPeer()) co_return false;  // the reason is the read's
    progress = response.feed({reinterpret_cast<const char*>(buf.data()), n}, n == 0);
  }
  if (progress == HttpResponse::Progress::invalid) {
    result.up = false;
    result.reason = response.error();
    co_return false;
  }
  result.http_status = response.status();
  co_return true;
}

asio::awaitable<HttpFetchResult> httpFetch(asio::any_io_executor ex, HttpFetchRequest request) {
  HttpFetchResult out;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(request.timeout));
  std::string url = request.url;
  for (unsigned hop = 0;; ++hop) {
    auto parsed = parseHttpUrl(url, 80);
    if (!parsed) {
      out.error = parsed.error();
      co_return out;
    }
    if (parsed->tls) {
      // Windows fetches distribution points and responders over plain HTTP
      // only: the answers are signed, and TLS would need them itself.
      out.error = "https:// is not fetched (Windows does not either)";
      co_return out;
    }
    auto addresses = co_await resolve(ex, parsed->host, deadline, out.error);
    if (addresses.empty()) co_return out;
    std::string head = httpRequestHead(request.body.empty() ? "GET" : "POST", parsed->path, parsed->hostHeader());
    if (!request.body.empty())
      head += "Content-Type: " + request.content_type + "\r\nContent-Length: " + std::to_string(request.body.size()) +
              "\r\n";
    head += "\r\n" + request.body;
    HttpResponse response(request.max_body);
    bool whole = false;
    for (const IpAddress& address : addresses) {
      double left = secondsLeft(deadline);
      if (left <= 0) {
        out.error = "timeout after " + seconds(request.timeout);
        co_return out;
      }
      ProbeResult result;
      TcpSession session(ex, nullptr, left);
      if (!co_await session.connect({address, parsed->port}, request.source, result)) {
        out.error = result.reason + (addresses.size() > 1 ? " (" + address.toString() + ")" : "");
        continue;
      }
      whole = co_await exchangeWhole(session, head, response, result, "reading the response");
      session.close();
      // The server took the connection: another address would not answer better.
      if (!whole) out.error = result.reason;
      break;
    }
    if (!whole) co_return out;
    int status = response.status();
    if (status == 200) {
      out.ok = true;
      out.error.clear();
      out.body = response.body();
      co_return out;
    }
    auto location = response.header("location");
    bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    if (redirect && location && request.body.empty() && hop < request.max_redirects) {
      // A path alone stays on the same server.
      url = !location->empty() && location->front() == '/' ? "http://" + parsed->hostHeader() + *location : *location;
      continue;
    }
    out.error = "HTTP " + std::to_string(status) +
                (redirect ? (request.body.empty() ? " (more than " + std::to_string(request.max_redirects) +
                                                        " redirects, or no Location)"
                                                  : " (a redirect, not followed for a POST)")
                          : ", expected 200");
    co_return out;
  }
}

}  // namespace gtm::monitor
