#include "dns/rate_limiter.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "common/hash.hpp"
#include "dns/wire.hpp"

namespace gtm::dns {
namespace {

constexpr uint64_t kTimeBits = 48;
constexpr uint64_t kTimeMask = (uint64_t{1} << kTimeBits) - 1;

using Hash = Fnv1a;

}  // namespace

uint64_t responseKey(std::span<const uint8_t> name, uint16_t qtype, unsigned rcode, unsigned answers) {
  enum : uint64_t { kAnswer = 1, kNxdomain = 2, kError = 3 };
  if (rcode == rcode::NXDOMAIN) return kNxdomain;
  if (rcode != rcode::NOERROR) return kError;
  // A positive or empty answer: FNV-1a over the name, with the type and
  // whether anything was answered.
  return Hash::mix(Hash().add(name).value() ^ (uint64_t{qtype} << 8) ^ (answers ? 0x10000 : 0) ^ kAnswer);
}

RateLimiter::RateLimiter(const config::RrlSettings& s)
    : exempt_(s.exempt),
      ipv4_prefix_(s.ipv4_prefix),
      ipv6_prefix_(s.ipv6_prefix),
      slip_(s.slip),
      interval_us_(1000000 / std::max(1u, s.responses_per_second)),
      tolerance_us_(1000000 - interval_us_),
      mask_(std::bit_ceil(std::max<size_t>(s.table_size, 1024)) - 1),
      buckets_(new std::atomic<uint64_t>[mask_ + 1]) {
  RAND_bytes(reinterpret_cast<uint8_t*>(&seed_), sizeof seed_);
  for (size_t i = 0; i <= mask_; ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

bool RateLimiter::exempt(const IpAddress& client) const {
  for (const Subnet& s : exempt_)
    if (s.contains(client)) return true;
  return false;
}

uint64_t RateLimiter::bucketKey(const IpAddress& client, uint64_t response_key) const {
  bool v4 = client.family == IpAddress::Family::v4;
  unsigned prefix = v4 ? ipv4_prefix_ : ipv6_prefix_;
  std::array<uint8_t, 16> masked{};
  for (unsigned i = 0; i * 8 < prefix && i < client.span().size(); ++i)
    masked[i] = static_cast<uint8_t>(client.bytes[i] & (prefix - i * 8 >= 8 ? 0xFF : 0xFF << (8 - (prefix - i * 8))));
  uint64_t high = 0, low = 0;
  std::memcpy(&high, masked.data(), 8);
  std::memcpy(&low, masked.data() + 8, 8);
  return Hash::mix(Hash::mix(seed_ ^ response_key ^ high) ^ low ^ (v4 ? 4 : 6));
}

bool RateLimiter::allow(const IpAddress& client, uint64_t response_key, uint64_t now_us) {
  uint64_t key = bucketKey(client, response_key);
  uint64_t tag = key >> kTimeBits;
  // Time 0 means "empty": keep the clock at 1 or later.
  uint64_t now = (now_us & kTimeMask) | 1;
  // Two candidate buckets: this key's own if either holds its tag, else one
  // whose budget is full again (idle: taking it over loses nothing). When
  // both hold another key's debt, the response goes out uncounted: a
  // collision never hands anyone a fresh budget, nor blocks an innocent.
  size_t first = key & mask_;
  std::atomic<uint64_t>* candidates[2] = {&buckets_[first], &buckets_[first ^ 1]};
  for (;;) {
    uint64_t seen[2] = {candidates[0]->load(std::memory_order_relaxed), candidates[1]->load(std::memory_order_relaxed)};
    auto owned = [&](int i) { return (seen[i] >> kTimeBits) == tag && (seen[i] & kTimeMask) != 0; };
    auto idle = [&](int i) { return (seen[i] & kTimeMask) <= now; };
    int pick = owned(0) ? 0 : owned(1) ? 1 : idle(0) ? 0 : idle(1) ? 1 : -1;
    if (pick < 0) return true;
    uint64_t arrival = std::max(seen[pick] & kTimeMask, now);
    if (arrival - now > tolerance_us_) return false;
    uint64_t next = (tag << kTimeBits) | ((arrival + interval_us_) & kTimeMask);
    if (candidates[pick]->compare_exchange_weak(seen[pick], next, std::memory_order_relaxed)) return true;
  }
}

}  // namespace gtm::dns
