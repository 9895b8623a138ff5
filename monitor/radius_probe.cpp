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
  // A reply that does not verify is discarded and the probe waits on for
  // the genuine one (RFC 2865 3): an off-path spoofer who guesses the port
  // and ID must not fail a site. Once a server has sent a
  // Message-Authenticator, a reply without one is not from it.
  const std::string server = target.address.toString() + "|" + std::to_string(target.port);
  const bool required = monitor_.radius_require_message_authenticator;
  std::string discarded;
  auto accept = [&](std::span<const uint8_t> reply) {
    radius::Response r = radius::classifyResponse(reply, req);
    using V = radius::Verdict;
    if (r.verdict == V::not_ours) return false;
    if (r.verdict == V::malformed || r.verdict == V::bad_authenticator || r.verdict == V::bad_message_authenticator) {
      discarded = r.detail;
      return false;
    }
    if (!r.message_authenticator && (required || signing_servers_.count(server))) {
      discarded = "a " + radius::codeName(r.code) + " without a Message-Authenticator (" +
                  (required ? std::string("radius_require_message_authenticator") : "this server sent one before") + ")";
      return false;
    }
    if (r.message_authenticator) signing_servers_.insert(server);
    result.details.emplace_back("message_authenticator", r.message_authenticator ? "sent" : "not sent");
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
      if (!discarded.empty()) {
        result.reason = "RADIUS: no reply that verifies in " + seconds(monitor_.timeout) + "; discarded " + discarded +
                        " (a wrong shared secret, or a forged reply)";
        break;
      }
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
