#include "monitor/radius_probe.hpp"

#include <openssl/rand.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/asio_address.hpp"
#include "monitor/deadline.hpp"
#include "monitor/radius_message.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {
constexpr int kAttempts = 3;  // the first send and two retransmissions
}

asio::awaitable<ProbeResult> RadiusProbe::run(ProbeTarget target) {
  ProbeResult result;
  auto ex = co_await asio::this_coro::executor;
  auto socket = std::make_shared<udp::socket>(ex);
  boost::system::error_code ec;
  udp::endpoint remote(toAsio(target.address), target.port);
  socket->open(remote.protocol(), ec);
  if (!ec && monitor_.source) socket->bind(udp::endpoint(toAsio(*monitor_.source), 0), ec);
  // Connected, so that an ICMP port unreachable comes back as an error.
  if (!ec) socket->connect(remote, ec);
  if (ec) {
    result.reason = "cannot open a UDP socket to " + target.address.toString() + ": " + ec.message();
    co_return result;
  }
  radius::Request req;
  bool status = monitor_.radius_mode == config::Monitor::RadiusMode::status_server;
  req.code = status ? radius::code::StatusServer : radius::code::AccessRequest;
  RAND_bytes(&req.id, 1);
  RAND_bytes(req.authenticator.data(), static_cast<int>(req.authenticator.size()));
  req.secret = monitor_.secret;
  req.user_name = monitor_.username;
  req.password = monitor_.password;
  std::vector<uint8_t> packet = radius::buildRequest(req);
  const std::string sent = status ? "Status-Server" : "Access-Request";

  auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(monitor_.timeout));
  Deadline deadline(socket, limit);
  auto retransmit_every = limit / kAttempts;
  std::array<uint8_t, 4096> buf;
  for (int attempt = 0; attempt < kAttempts && !deadline.expired(); ++attempt) {
    co_await socket->async_send(asio::buffer(packet), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    asio::steady_timer next(ex);
    next.expires_after(retransmit_every);
    bool last = attempt + 1 == kAttempts;
    if (!last)
      next.async_wait([socket](const boost::system::error_code& e) {
        if (!e) socket->cancel();
      });
    for (;;) {
      size_t n = co_await socket->async_receive(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      radius::Response r = radius::classifyResponse(std::span<const uint8_t>(buf.data(), n), req);
      if (r.verdict == radius::Verdict::not_ours) continue;
      next.cancel();
      using V = radius::Verdict;
      bool answer_is_enough = monitor_.radius_expect == config::Monitor::RadiusExpect::answer;
      result.up = r.verdict == V::accept || (r.verdict == V::reject && answer_is_enough);
      result.reason = "RADIUS: " + r.detail;
      if (r.verdict == V::reject && !answer_is_enough)
        result.reason += " for " + monitor_.username + " (the server answers; radius_expect = \"answer\" would pass it)";
      else if (r.verdict == V::challenge)
        result.reason += ": the test account must not need a second factor";
      co_return result;
    }
    next.cancel();
    if (ec != asio::error::operation_aborted) break;  // a real error: stop trying
  }
  if (deadline.expired()) {
    result.reason = "timeout after " + seconds(monitor_.timeout) + " (" + std::to_string(kAttempts) + " " + sent +
                    " sent, no response: the server is down, or this address is not one of its clients, or the shared "
                    "secret is wrong and it drops our packets unanswered, as FreeRADIUS and NPS do)";
  } else if (ec == asio::error::connection_refused) {
    result.reason = "ICMP port unreachable: nothing listens on UDP port " + std::to_string(target.port);
  } else {
    result.reason = "RADIUS: " + ec.message();
  }
  co_return result;
}

}  // namespace gtm::monitor
