#include "monitor/ikev2_probe.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstring>
#include <optional>

#include "monitor/ikev2_message.hpp"
#include "monitor/key_exchange.hpp"
#include "monitor/udp_exchange.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;

Result<std::unique_ptr<Probe>> Ikev2Probe::create(const config::Monitor& m) {
  std::map<uint16_t, std::vector<uint8_t>> values;
  for (uint16_t group : {2, 14, 19, 20}) {
    auto ke = makeKeyExchangeValue(group);
    if (!ke) return Error{ke.error()};
    values[group] = std::move(*ke);
  }
  return std::unique_ptr<Probe>(new Ikev2Probe(m, std::move(values)));
}

namespace {

constexpr uint16_t kCookie = 16390, kInvalidKe = 17;

// What the response says of the responder, for --verbose and the status.
void describe(const ikev2::Response& r, const ikev2::Spi& spi, const ProbeTarget& target, const IpAddress& local,
              uint16_t local_port, bool cookie_answered, const std::string& regrouped, ProbeResult& result) {
  auto& d = result.details;
  if (r.proposal) d.emplace_back("proposal", ikev2::proposalText(*r.proposal));
  if (!regrouped.empty()) d.emplace_back("ke_group", regrouped);
  if (r.verdict == ikev2::Verdict::full)
    d.emplace_back("fragmentation", r.fragmentation ? "supported (RFC 7383)"
                                                    : "not offered: certificate logins fail where IP fragments "
                                                      "are dropped (error 809)");
  if (r.nat_source && r.nat_destination) {
    // The responder hashed where it sees itself and where it sees us.
    bool responder_moved = *r.nat_source != ikev2::natDetectionHash(spi, target.address, target.port, r.responder_spi);
    bool we_moved = *r.nat_destination != ikev2::natDetectionHash(spi, local, local_port, r.responder_spi);
    d.emplace_back("nat", responder_moved && we_moved ? "both sides translated"
                          : responder_moved ? "the responder is behind NAT or a balancer's DNAT (it sees itself at "
                                              "another address or port)"
                          : we_moved        ? "gtm is behind NAT (the responder sees another source address or port)"
                                            : "none");
  }
  if (cookie_answered) d.emplace_back("cookie", "asked (the responder is under load) and answered");
  std::string vendors;
  for (const auto& id : r.vendor_ids) vendors += (vendors.empty() ? "" : ", ") + ikev2::vendorName(id);
  if (!vendors.empty()) d.emplace_back("vendor_ids", vendors);
}

}  // namespace

asio::awaitable<ProbeResult> Ikev2Probe::run(ProbeTarget target) {
  ProbeResult result;
  ikev2::Spi spi;
  std::array<uint8_t, 32> nonce;
  RAND_bytes(spi.data(), static_cast<int>(spi.size()));
  RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
  IpAddress local;
  uint16_t local_port = 0;
  std::vector<uint8_t> cookie;
  uint16_t group = monitor_.ike_dh_group;
  auto request = [&](const IpAddress& from, uint16_t from_port) {
    local = from;
    local_port = from_port;
    ikev2::InitRequest req;
    req.cookie = cookie;
    req.initiator_spi = spi;
    req.nonce = nonce;
    req.ke_group = group;
    req.ke_data = ke_.at(group);
    req.nat_source = ikev2::natDetectionHash(spi, from, from_port);
    req.nat_destination = ikev2::natDetectionHash(spi, target.address, target.port);
    std::vector<uint8_t> packet;
    if (monitor_.nat_t) packet.assign(4, 0);  // non-ESP marker (RFC 3948)
    auto message = ikev2::buildInitRequest(req);
    packet.insert(packet.end(), message.begin(), message.end());
    return packet;
  };
  // The answer, and the local address and port its request went from (the
  // NAT detection hashes cover them).
  std::optional<ikev2::Response> answer;
  IpAddress answer_local;
  uint16_t answer_port = 0;
  auto accept = [&](std::span<const uint8_t> reply) {
    if (monitor_.nat_t) {
      if (reply.size() < 4 || std::memcmp(reply.data(), "\0\0\0\0", 4) != 0) return false;  // ESP, not IKE
      reply = reply.subspan(4);
    }
    ikev2::Response r = ikev2::classifyResponse(reply, spi);
    if (r.verdict == ikev2::Verdict::not_ours) return false;
    answer = std::move(r);
    answer_local = local;
    answer_port = local_port;
    return true;
  };
  const auto started = std::chrono::steady_clock::now();
  UdpExchange x = co_await udpExchange(target, monitor_.source, monitor_.timeout, request, accept);
  // A COOKIE (the responder is under load) and an INVALID_KE_PAYLOAD (it
  // wants another group) are steps a client takes, each at most once,
  // within what is left of the timeout. When a step goes unanswered, the
  // answer before it stands.
  bool cookie_answered = false;
  std::string regrouped;
  for (int step = 0; step < 2 && x.outcome == UdpExchange::Outcome::answered; ++step) {
    const ikev2::Response& r = *answer;
    bool want_cookie = r.notify_type == kCookie && !r.cookie.empty() && cookie.empty();
    bool want_group = r.notify_type == kInvalidKe && r.requested_group != group && ke_.count(r.requested_group) &&
                      regrouped.empty();
    double left = monitor_.timeout - std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if ((!want_cookie && !want_group) || left < 0.01) break;
    if (want_cookie) {
      cookie = r.cookie;
    } else {
      regrouped = "group " + std::to_string(group) + " refused (INVALID_KE_PAYLOAD); sent group " +
                  std::to_string(r.requested_group) + " as asked";
      group = r.requested_group;
    }
    ikev2::Response before = std::move(*answer);
    const IpAddress before_local = answer_local;
    const uint16_t before_port = answer_port;
    answer.reset();
    x = co_await udpExchange(target, monitor_.source, left, request, accept);
    if (x.outcome == UdpExchange::Outcome::answered) {
      cookie_answered = cookie_answered || want_cookie;
    } else if (x.outcome == UdpExchange::Outcome::timeout) {
      answer = std::move(before);
      answer_local = before_local;
      answer_port = before_port;
      x.outcome = UdpExchange::Outcome::answered;
      if (want_group) regrouped += ", no answer in time";
      break;
    }
  }
  using O = UdpExchange::Outcome;
  switch (x.outcome) {
    case O::answered: break;
    case O::no_socket:
      result.reason = "cannot open a UDP socket to " + target.address.toString() + ": " + x.error.message();
      co_return result;
    case O::timeout:
      result.reason = "timeout after " + seconds(monitor_.timeout) + " (" + std::to_string(kUdpAttempts) +
                      " IKE_SA_INIT sent, no response)";
      co_return result;
    case O::unreachable:
      result.reason = "ICMP port unreachable: nothing listens on UDP port " + std::to_string(target.port);
      co_return result;
    case O::failed: result.reason = "IKEv2: " + x.error.message(); co_return result;
  }
  const ikev2::Response& r = *answer;
  std::string steps = cookie_answered ? " after a COOKIE challenge" : "";
  if (!regrouped.empty() && r.verdict == ikev2::Verdict::full)
    steps += " with DH group " + std::to_string(group) + " as asked";
  if (r.verdict == ikev2::Verdict::malformed) {
    result.reason = "IKEv2: malformed response" + steps + ": " + r.detail;
  } else if (r.verdict == ikev2::Verdict::full) {
    result.up = !monitor_.ike_require_fragmentation || r.fragmentation;
    result.reason = result.up ? "IKEv2: IKE_SA_INIT response" + steps + " (daemon alive)"
                              : "IKEv2: IKE_SA_INIT response without IKEV2_FRAGMENTATION_SUPPORTED "
                                "(ike_require_fragmentation)";
  } else if (r.notify_type == kCookie) {
    // Asked for a cookie, and the retry with it went unanswered in time, or
    // was answered with yet another cookie (then no client gets in either).
    result.up = !cookie_answered || monitor_.ike_expect == config::Monitor::IkeExpect::alive;
    result.reason = cookie_answered ? "IKEv2: COOKIE again for the request that carried the cookie asked for (the "
                                      "responder asks for a new cookie every time: daemon alive, but no client gets "
                                      "past it)"
                                    : "IKEv2: COOKIE (daemon alive, under load; no answer in time to the request "
                                      "with the cookie)";
  } else {
    // INVALID_KE_PAYLOAD is a step of a negotiation that goes on; any other
    // notify (NO_PROPOSAL_CHOSEN, INVALID_SYNTAX, ...) refuses the IKE SA:
    // alive, but no client gets in.
    bool negotiating = r.notify_type == kInvalidKe;
    result.up = negotiating || monitor_.ike_expect == config::Monitor::IkeExpect::alive;
    result.reason = "IKEv2: " + r.detail + steps +
                    (negotiating ? " (daemon alive, negotiating)"
                                 : result.up ? " (daemon alive, IKE SA refused)"
                                             : " (daemon alive, IKE SA refused; ike_expect = \"sa\")");
  }
  describe(r, spi, target, answer_local, answer_port, cookie_answered, regrouped, result);
  co_return result;
}

}  // namespace gtm::monitor
