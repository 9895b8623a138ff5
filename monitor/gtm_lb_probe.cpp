#include "monitor/gtm_lb_probe.hpp"

#include <boost/asio/this_coro.hpp>

#include "monitor/balancer_report.hpp"
#include "monitor/http_fetch.hpp"
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
  std::string request = httpRequestHead("GET", monitor_.path, host, "application/json");
  if (!monitor_.token.empty()) request += "Authorization: Bearer " + monitor_.token + "\r\n";
  request += "\r\n";
  HttpResponse response;
  bool whole = co_await exchangeWhole(session, request, response, result, "reading the balancer's status");
  if (whole) keepSession(session, balancer);
  session.close();
  if (!whole) {
    result.reason = where + result.reason;
    co_return result;
  }
  if (response.status() != 200) {
    result.up = false;
    result.reason = where + "status API answered HTTP " + std::to_string(response.status()) + ", expected 200";
    co_return result;
  }
  BalancerVerdict verdict = judgeBalancer(response.body(), monitor_.lb_services, target.address, monitor_.min_reals);
  result.up = verdict.up;
  result.full = verdict.full;
  result.reals_online = verdict.reals_online;
  result.reason = where + verdict.reason;
  co_return result;
}

}  // namespace gtm::monitor
