#include "common/asio_address.hpp"
#include "monitor/ikev2_probe.hpp"

#include <openssl/rand.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

#include "monitor/deadline.hpp"
#include "monitor/ikev2_message.hpp"
#include "monitor/key_exchange.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr int kAttempts = 3;  // the first send and two retransmissions

udp::endpoint endpointOf(const ProbeTarget& t) { return {toAsio(t.address), t.port}; }

}  // namespace

Result<std::unique_ptr<Probe>> Ikev2Probe::create(const config::Monitor& m) {
  auto ke = makeKeyExchangeValue(m.ike_dh_group);
  if (!ke) return Error{ke.error()};
  return std::unique_ptr<Probe>(new Ikev2Probe(m, std::move(*ke)));
}

asio::awaitable<ProbeResult> Ikev2Probe::run(ProbeTarget target) {
  ProbeResult result;
  auto ex = co_await asio::this_coro::executor;
  auto socket = std::make_shared<udp::socket>(ex);
  boost::system::error_code ec;
  udp::endpoint remote = endpointOf(target);
  socket->open(remote.protocol(), ec);
  if (!ec && monitor_.source) socket->bind(endpointOf({*monitor_.source, 0}), ec);
  // Connected, so that an ICMP port unreachable comes back as an error.
  if (!ec) socket->connect(remote, ec);
  if (ec) {
    result.reason = "cannot open a UDP socket to " + target.address.toString() + ": " + ec.message();
    co_return result;
  }
  udp::endpoint local = socket->local_endpoint(ec);

  ikev2::Spi spi;
  std::array<uint8_t, 32> nonce;
  RAND_bytes(spi.data(), static_cast<int>(spi.size()));
  RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
  ikev2::InitRequest req;
  req.initiator_spi = spi;
  req.nonce = nonce;
  req.ke_group = monitor_.ike_dh_group;
  req.ke_data = ke_;
  req.nat_source = ikev2::natDetectionHash(spi, fromAsio(local.address()), local.port());
  req.nat_destination = ikev2::natDetectionHash(spi, target.address, target.port);
  std::vector<uint8_t> packet;
  if (monitor_.nat_t) packet.assign(4, 0);  // non-ESP marker (RFC 3948)
  auto message = ikev2::buildInitRequest(req);
  packet.insert(packet.end(), message.begin(), message.end());

  auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(monitor_.timeout));
  Deadline deadline(socket, limit);
  auto retransmit_every = limit / kAttempts;
  std::array<uint8_t, 4096> buf;
  for (int attempt = 0; attempt < kAttempts && !deadline.expired(); ++attempt) {
    co_await socket->async_send(asio::buffer(packet), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    // Wait for an answer until the next retransmission is due: the timer
    // cancels the receive, the socket stays open.
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
      std::span<const uint8_t> reply(buf.data(), n);
      if (monitor_.nat_t) {
        if (n < 4 || std::memcmp(buf.data(), "\0\0\0\0", 4) != 0) continue;  // ESP, not IKE
        reply = reply.subspan(4);
      }
      ikev2::Response r = ikev2::classifyResponse(reply, spi);
      if (r.verdict == ikev2::Verdict::not_ours) continue;
      next.cancel();
      if (r.verdict == ikev2::Verdict::malformed) {
        result.reason = "IKEv2: malformed response: " + r.detail;
      } else if (r.verdict == ikev2::Verdict::full) {
        result.up = true;
        result.reason = "IKEv2: IKE_SA_INIT response (daemon alive)";
      } else {
        // INVALID_KE_PAYLOAD and COOKIE are steps of a negotiation that goes
        // on; any other notify (NO_PROPOSAL_CHOSEN, INVALID_SYNTAX, ...)
        // refuses the IKE SA: alive, but no client gets in.
        bool negotiating = r.notify_type == 17 || r.notify_type == 16390;
        result.up = negotiating || monitor_.ike_expect == config::Monitor::IkeExpect::alive;
        result.reason = "IKEv2: " + r.detail +
                        (negotiating ? " (daemon alive, negotiating)"
                                     : result.up ? " (daemon alive, IKE SA refused)"
                                                 : " (daemon alive, IKE SA refused; ike_expect = \"sa\")");
      }
      co_return result;
    }
    next.cancel();
    if (ec != asio::error::operation_aborted) break;  // a real error: stop trying
  }
  if (deadline.expired()) {
    result.reason = "timeout after " + seconds(monitor_.timeout) + " (" + std::to_string(kAttempts) +
                    " IKE_SA_INIT sent, no response)";
  } else if (ec == asio::error::connection_refused) {
    result.reason = "ICMP port unreachable: nothing listens on UDP port " + std::to_string(target.port);
  } else {
    result.reason = "IKEv2: " + ec.message();
  }
  co_return result;
}

}  // namespace gtm::monitor
