// Response rate limiting (RRL) for UDP, shared by every query thread.
//
// A response is accounted to (client prefix, response identity): the
// client's address cut to ipv4_prefix/ipv6_prefix bits, and what the answer
// says (the name and type of a positive or empty answer; one identity for
// all NXDOMAINs, one for all errors, so that random names and junk share one
// budget, as in BIND). Each pair gets `responses_per_second`, with a burst of
// one second's worth, by the generic cell rate algorithm: a bucket holds the
// theoretical arrival time of the next response and is updated with one
// compare-and-swap. Buckets live in a fixed table indexed by a keyed hash,
// two candidate buckets per key: a key takes over an idle bucket (one whose
// budget is full again), and where both hold other keys' debt its response
// goes out uncounted. So a collision never resets anyone's budget to full
// and never blocks an innocent client; a table too small only lets more
// through.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/ip_address.hpp"
#include "config/config.hpp"

namespace gtm::dns {

class RateLimiter {
 public:
  explicit RateLimiter(const config::RrlSettings& settings);

  [[nodiscard]] bool exempt(const IpAddress& client) const;
  // True when this response may go out; `now_us` is a monotonic clock.
  [[nodiscard]] bool allow(const IpAddress& client, uint64_t response_key, uint64_t now_us);
  [[nodiscard]] unsigned slip() const { return slip_; }

 private:
  [[nodiscard]] uint64_t bucketKey(const IpAddress& client, uint64_t response_key) const;

  std::vector<Subnet> exempt_;
  uint8_t ipv4_prefix_;
  uint8_t ipv6_prefix_;
  unsigned slip_;
  uint64_t interval_us_;   // one response's share of a second
  uint64_t tolerance_us_;  // the burst: how far ahead of now a bucket may run
  uint64_t seed_;
  size_t mask_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // tag (16 bits) | arrival time (48 bits, µs)
};

// The identity a response is limited under (see above).
[[nodiscard]] uint64_t responseKey(std::span<const uint8_t> lower_case_name, uint16_t qtype, unsigned rcode,
                                   unsigned answers);

}  // namespace gtm::dns
