// FNV-1a, the one non-cryptographic hash gtm keeps stable across builds and
// runs (std::hash is not): Maglev permutations, subnet affinity, rate-limit
// keys. Feed it in pieces; finish() mixes the bits so that table indices
// taken from the low bits spread well.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace gtm {

class Fnv1a {
 public:
  explicit constexpr Fnv1a(uint64_t seed = 0) : h_(kOffset ^ seed) {}

  constexpr Fnv1a& add(uint8_t byte) {
    h_ = (h_ ^ byte) * kPrime;
    return *this;
  }
  constexpr Fnv1a& add(std::span<const uint8_t> bytes) {
    for (uint8_t b : bytes) add(b);
    return *this;
  }
  constexpr Fnv1a& add(std::string_view text) {
    for (char c : text) add(static_cast<uint8_t>(c));
    return *this;
  }
  [[nodiscard]] constexpr uint64_t value() const { return h_; }
  // splitmix64's finaliser: every input bit reaches every output bit.
  [[nodiscard]] static constexpr uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }
  [[nodiscard]] constexpr uint64_t finish() const { return mix(h_); }

 private:
  static constexpr uint64_t kOffset = 1469598103934665603ull;
  static constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t h_;
};

}  // namespace gtm
