#include "monitor/ikev2_probe.hpp"

#include <openssl/rand.h>

#include <cstring>

#include "monitor/ikev2_message.hpp"
#include "monitor/key_exchange.hpp"
#include "monitor/udp_exchange.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;

Result<std::unique_ptr<Probe>> Ikev2Probe::create(const config::Monitor& m) {
  auto ke = makeKeyExchangeValue(m.ike_dh_group);
  if (!ke) return Error{ke.error()};
  return std::unique_ptr<Probe>(new Ikev2Probe(m, std::move(*ke)));
}

asio::awaitable<ProbeResult> Ikev2Probe::run(ProbeTarget target) {
  ProbeResult result;
  ikev2::Spi spi;
  std::array<uint8_t, 32> nonce;
  RAND_bytes(spi.data(), static_cast<int>(spi.size()));
  RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
  auto request = [&](const IpAddress& local, uint16_t local_port) {
    ikev2::InitRequest req;
    req.initiator_spi = spi;
    req.nonce = nonce;
    req.ke_group = monitor_.ike_dh_group;
    req.ke_data = ke_;
    req.nat_source = ikev2::natDetectionHash(spi, local, local_port);
    req.nat_destination = ikev2::natDetectionHash(spi, target.address, target.port);
    std::vector<uint8_t> packet;
    if (monitor_.nat_t) packet.assign(4, 0);  // non-ESP marker (RFC 3948)
    auto message = ikev2::buildInitRequest(req);
    packet.insert(packet.end(), message.begin(), message.end());
    return packet;
  };
  auto accept = [&](std::span<const uint8_t> reply) {
    if (monitor_.nat_t) {
      if (reply.size() < 4 || std::memcmp(reply.data(), "\0\0\0\0", 4) != 0) return false;  // ESP, not IKE
      reply = reply.subspan(4);
    }
    ikev2::Response r = ikev2::classifyResponse(reply, spi);
    if (r.verdict == ikev2::Verdict::not_ours) return false;
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
    return true;
  };
  UdpExchange x = co_await udpExchange(target, monitor_.source, monitor_.timeout, request, accept);
  using O = UdpExchange::Outcome;
  switch (x.outcome) {
    case O::answered: break;
    case O::no_socket:
      result.reason = "cannot open a UDP socket to " + target.address.toString() + ": " + x.error.message();
      break;
    case O::timeout:
      result.reason = "timeout after " + seconds(monitor_.timeout) + " (" + std::to_string(kUdpAttempts) +
                      " IKE_SA_INIT sent, no response)";
      break;
    case O::unreachable:
      result.reason = "ICMP port unreachable: nothing listens on UDP port " + std::to_string(target.port);
      break;
    case O::failed: result.reason = "IKEv2: " + x.error.message(); break;
  }
  co_return result;
}

}  // namespace gtm::monitor
