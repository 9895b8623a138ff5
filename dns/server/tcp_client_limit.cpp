#include "dns/server/tcp_client_limit.hpp"

#include <cstring>

namespace gtm::dns::server {

unsigned& TcpClientLimit::count(const IpAddress& client, uint64_t& key) {
  key = 0;
  bool v4 = client.family == IpAddress::Family::v4;
  std::memcpy(&key, client.bytes.data(), v4 ? 4 : 8);
  return (v4 ? v4_ : v6_)[key];
}

bool TcpClientLimit::take(const IpAddress& client) {
  std::lock_guard lock(mutex_);
  uint64_t key;
  unsigned& n = count(client, key);
  if (n >= per_client_) return false;
  ++n;
  return true;
}

void TcpClientLimit::give(const IpAddress& client) {
  std::lock_guard lock(mutex_);
  uint64_t key;
  unsigned& n = count(client, key);
  if (n <= 1) {
    (client.family == IpAddress::Family::v4 ? v4_ : v6_).erase(key);
    return;
  }
  --n;
}

}  // namespace gtm::dns::server
