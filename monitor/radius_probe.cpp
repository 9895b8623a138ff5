#include "monitor/radius_probe.hpp"

#include <openssl/rand.h>

#include "monitor/radius_message.hpp"
#include "monitor/udp_exchange.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;

asio::awaitable<ProbeResult> RadiusProbe::run(ProbeTarget target) {
  ProbeResult result;
  radius::Request req;
  bool status = monitor_.radius_mode == config::Monitor::RadiusMode::status_server;
  req.code = status ? radius::code::StatusServer : radius::code::AccessRequest;
  RAND_bytes(&req.id, 1);
  RAND_bytes(req.authenticator.data(), static_cast<int>(req.authenticator.size()));
  req.secret = monitor_.secret;
  req.user_name = monitor_.username;
  req.password = monitor_.password;
  const std::string sent = status ? "Status-Server" : "Access-Request";
  auto request = [&](const IpAddress&, uint16_t) { return radius::buildRequest(req); };
  auto accept = [&](std::span<const uint8_t> reply) {
    radius::Response r = radius::classifyResponse(reply, req);
    if (r.verdict == radius::Verdict::not_ours) return false;
    using V = radius::Verdict;
    bool answer_is_enough = monitor_.radius_expect == config::Monitor::RadiusExpect::answer;
    result.up = r.verdict == V::accept || (r.verdict == V::reject && answer_is_enough);
    result.reason = "RADIUS: " + r.detail;
    if (r.verdict == V::reject && !answer_is_enough)
      result.reason += " for " + monitor_.username + " (the server answers; radius_expect = \"answer\" would pass it)";
    else if (r.verdict == V::challenge)
      result.reason += ": the test account must not need a second factor";
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
      result.reason = "timeout after " + seconds(monitor_.timeout) + " (" + std::to_string(kUdpAttempts) + " " + sent +
                      " sent, no response: the server is down, or this address is not one of its clients, or the "
                      "shared secret is wrong and it drops our packets unanswered, as FreeRADIUS and NPS do)";
      break;
    case O::unreachable:
      result.reason = "ICMP port unreachable: nothing listens on UDP port " + std::to_string(target.port);
      break;
    case O::failed: result.reason = "RADIUS: " + x.error.message(); break;
  }
  co_return result;
}

}  // namespace gtm::monitor
