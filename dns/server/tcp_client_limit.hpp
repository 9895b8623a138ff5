// Open DNS-over-TCP connections per client, across every TCP thread (the
// kernel spreads one client's connections over the SO_REUSEPORT sockets).
// A client is an IPv4 address or an IPv6 /64, since one host can draw on a
// whole /64. Taken on accept and given back on close, never per query, so a
// mutex is cheap enough here.
#pragma once

#include <mutex>
#include <unordered_map>

#include "common/ip_address.hpp"

namespace gtm::dns::server {

class TcpClientLimit {
 public:
  explicit TcpClientLimit(unsigned per_client) : per_client_(per_client) {}

  // False when the client already holds its share: refuse the connection.
  [[nodiscard]] bool take(const IpAddress& client);
  void give(const IpAddress& client);

 private:
  // The count for this client: IPv4 addresses and IPv6 /64s in maps of their own.
  unsigned& count(const IpAddress& client, uint64_t& key);

  unsigned per_client_;
  std::mutex mutex_;
  std::unordered_map<uint64_t, unsigned> v4_;
  std::unordered_map<uint64_t, unsigned> v6_;
};

}  // namespace gtm::dns::server
