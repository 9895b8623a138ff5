// The packet path from query bytes to response bytes: parse, look up, encode.
// One QueryHandler per thread; handle() takes no lock and never allocates.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "dns/cookie.hpp"
#include "dns/query.hpp"
#include "dns/query_stats.hpp"
#include "dns/rate_limiter.hpp"
#include "dns/snapshot.hpp"
#include "policy/router.hpp"

namespace gtm::dns {

struct ClientInfo {
  IpAddress address;
  bool tcp = false;
  uint32_t now = 0;  // seconds since the epoch, for cookies
  uint64_t clock_us = 0;  // a monotonic clock, for rate limiting
};

class QueryHandler {
 public:
  // `limiter`, when given, limits UDP responses (shared by every thread).
  QueryHandler(const CookieSecret& secret, uint16_t max_udp_payload, RateLimiter* limiter = nullptr);

  // Writes the response into `out` (at least 65535 bytes for TCP, at least
  // max_udp_payload for UDP) and returns its size; 0 means send nothing.
  [[nodiscard]] size_t handle(const Snapshot& snapshot, std::span<const uint8_t> query, const ClientInfo& client,
                              std::span<uint8_t> out);

  // Over TCP: a zone transfer or a TSIG-signed query, handed to the
  // snapshot's transfer handler; the messages that answer it, or none (then
  // handle() answers).
  [[nodiscard]] std::vector<std::string> handOver(const Snapshot& snapshot, std::span<const uint8_t> query,
                                                  const ClientInfo& client);

  [[nodiscard]] const QueryStats& stats() const { return stats_; }

 private:
  size_t encodeOptions(const Snapshot& snapshot, const ClientInfo& client, uint8_t* out, size_t* ecs_scope_at);
  policy::ClientView clientView(const ClientInfo& client);
  enum class Limit { send, slip, drop };
  Limit rateLimit(const ClientInfo& client, std::span<const uint8_t> response);

  Query q_;
  uint64_t random_state_;  // xorshift64*, seeded per thread
  CookieSigner cookies_;
  QueryStats stats_;
  uint16_t max_udp_payload_;
  RateLimiter* limiter_;
  unsigned limited_ = 0;  // responses limited by this thread, for slip
};

}  // namespace gtm::dns
