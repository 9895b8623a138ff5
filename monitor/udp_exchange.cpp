#include "monitor/udp_exchange.hpp"

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/asio_address.hpp"
#include "monitor/deadline.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;
using asio::ip::udp;

asio::awaitable<UdpExchange> udpExchange(
    ProbeTarget target, const std::optional<IpAddress>& source, double timeout_seconds,
    const std::function<std::vector<uint8_t>(const IpAddress&, uint16_t)>& request,
    const std::function<bool(std::span<const uint8_t>)>& accept) {
  UdpExchange out;
  auto ex = co_await asio::this_coro::executor;
  auto socket = std::make_shared<udp::socket>(ex);
  boost::system::error_code& ec = out.error;
  udp::endpoint remote(toAsio(target.address), target.port);
  socket->open(remote.protocol(), ec);
  if (!ec && source) socket->bind(udp::endpoint(toAsio(*source), 0), ec);
  if (!ec) socket->connect(remote, ec);
  if (ec) {
    out.outcome = UdpExchange::Outcome::no_socket;
    co_return out;
  }
  udp::endpoint local = socket->local_endpoint(ec);
  std::vector<uint8_t> packet = request(fromAsio(local.address()), local.port());

  auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(timeout_seconds));
  Deadline deadline(socket, limit);
  auto retransmit_every = limit / kUdpAttempts;
  // A whole datagram, whatever its size (an IKE_SA_INIT response with a
  // CERTREQ for many CAs passes 4 KiB).
  std::vector<uint8_t> buf(65535);
  for (int attempt = 0; attempt < kUdpAttempts && !deadline.expired(); ++attempt) {
    co_await socket->async_send(asio::buffer(packet), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    // Wait for an answer until the next retransmission is due: the timer
    // cancels the receive, the socket stays open.
    asio::steady_timer next(ex);
    next.expires_after(retransmit_every);
    if (attempt + 1 < kUdpAttempts)
      next.async_wait([socket](const boost::system::error_code& e) {
        if (!e) socket->cancel();
      });
    for (;;) {
      size_t n = co_await socket->async_receive(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (!accept(std::span<const uint8_t>(buf.data(), n))) continue;
      next.cancel();
      out.outcome = UdpExchange::Outcome::answered;
      co_return out;
    }
    next.cancel();
    if (ec != asio::error::operation_aborted) break;  // a real error: stop trying
  }
  out.outcome = deadline.expired()                      ? UdpExchange::Outcome::timeout
                : ec == asio::error::connection_refused ? UdpExchange::Outcome::unreachable
                                                        : UdpExchange::Outcome::failed;
  co_return out;
}

}  // namespace gtm::monitor
