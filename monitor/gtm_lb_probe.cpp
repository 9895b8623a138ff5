#include "monitor/gtm_lb_probe.hpp"

#include <boost/asio/this_coro.hpp>

#include "monitor/balancer_report.hpp"
#include "monitor/http_response.hpp"
#include "monitor/tcp_session.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;

asio::awaitable<ProbeResult> GtmLbProbe::run(ProbeTarget target) {
  ProbeResult result;
  // With url, that balancer answers for every target; the target still
  // picks the services by their VIP when none is named.
  ProbeTarget balancer = monitor_.url_address ? ProbeTarget{*monitor_.url_address, monitor_.port} : target;
  const std::string where = "balancer " + balancer.address.toString() + ": ";
  TcpSession session(co_await asio::this_coro::executor, tls_.get(), monitor_.timeout);
  if (!co_await open(session, balancer, result)) {
    session.close();
    result.reason = where + result.reason;
    co_return result;
  }
  std::string host = hostFor(balancer);
  if (monitor_.host.empty() && balancer.port != (tls() ? 443 : 80)) host += ":" + std::to_string(balancer.port);
  std::string request = "GET " + monitor_.path + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUser-Agent: gtm-monitor\r\nAccept: application/json\r\nConnection: close\r\n";
  if (!monitor_.token.empty()) request += "Authorization: Bearer " + monitor_.token + "\r\n";
  request += "\r\n";
  if (!co_await session.write({reinterpret_cast<const uint8_t*>(request.data()), request.size()}, result,
                              "sending the status request")) {
    session.close();
    result.reason = where + result.reason;
    co_return result;
  }
  HttpResponse response;
  std::array<uint8_t, 16384> buf;
  HttpResponse::Progress progress = HttpResponse::Progress::need_more;
  while (progress == HttpResponse::Progress::need_more) {
    size_t n = co_await session.readSome(buf, result, "reading the balancer's status");
    if (n == 0 && !session.closedByPeer()) break;  // the reason is the read's
    progress = response.feed({reinterpret_cast<const char*>(buf.data()), n}, n == 0);
  }
  keepSession(session, balancer);
  session.close();
  if (progress == HttpResponse::Progress::need_more) {
    result.reason = where + result.reason;
    co_return result;
  }
  if (progress == HttpResponse::Progress::invalid) {
    result.up = false;
    result.reason = where + response.error();
    co_return result;
  }
  result.http_status = response.status();
  if (response.status() != 200) {
    result.up = false;
    result.reason = where + "status API answered HTTP " + std::to_string(response.status()) + ", expected 200";
    co_return result;
  }
  BalancerVerdict verdict = judgeBalancer(response.body(), monitor_.lb_services, target.address, monitor_.min_reals);
  result.up = verdict.up;
  result.full = verdict.full;
  result.reason = where + verdict.reason;
  co_return result;
}

}  // namespace gtm::monitor
