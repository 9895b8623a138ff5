// The request-and-answer loop of the UDP probes (IKEv2, RADIUS): open a
// connected socket (so that an ICMP port unreachable comes back as an
// error), send the request, wait for an answer the probe accepts, and send
// the same request again when a third of the timeout passes without one.
#pragma once

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.hpp"
#include "monitor/probe.hpp"

namespace gtm::monitor {

inline constexpr int kUdpAttempts = 3;  // the first send and two retransmissions

struct UdpExchange {
  enum class Outcome {
    answered,     // `accept` returned true for a datagram; it decided the result
    no_socket,    // the socket could not be opened; `error` says why
    timeout,      // every attempt went unanswered
    unreachable,  // ICMP port unreachable
    failed,       // another socket error, in `error`
  };
  Outcome outcome = Outcome::timeout;
  boost::system::error_code error;
};

// `request(local address, local port)` makes the datagram once the socket
// is bound (IKEv2 hashes its own address into it); `accept(reply)` returns
// true when the reply settles the probe, false to keep waiting.
boost::asio::awaitable<UdpExchange> udpExchange(
    ProbeTarget target, const std::optional<IpAddress>& source, double timeout_seconds,
    const std::function<std::vector<uint8_t>(const IpAddress&, uint16_t)>& request,
    const std::function<bool(std::span<const uint8_t>)>& accept);

}  // namespace gtm::monitor
