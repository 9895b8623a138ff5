// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights: a
// lookup table of prime size M in which each backend owns about M x its
// share of the total weight, and which changes little when a backend comes
// or goes. The table size depends on the configured weights only, so that a
// backend's failure moves its own slots and (nearly) nothing else.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gtm::lb {

struct MaglevBackend {
  std::string key;  // stable identity (the real server's address)
  uint32_t weight = 1;
};

// The smallest prime above 100 x total_weight (at least 251): the table is
// then within 1 % of the weights (NSDI 2016 section 3.4). Never more than
// kMaxMaglevTableSize (Katran's ring size), whatever the weights: the table
// is one nftables map element per slot.
inline constexpr uint32_t kMaxMaglevTableSize = 65537;  // a prime
[[nodiscard]] uint32_t maglevTableSize(uint64_t total_weight);

// slot -> index into `backends`; every slot -1 when `backends` is empty.
// Weights whose total passes `size` are scaled down to fit (each keeps at
// least one slot), so shares stay proportional in a capped table.
[[nodiscard]] std::vector<int> buildMaglevTable(std::span<const MaglevBackend> backends, uint32_t size);

// The table the balancer installs: the Maglev table of every configured
// backend, in which the slots of backends that are not eligible (Degraded
// or drained) go to their owner in the Maglev table of the eligible ones.
// So a failure moves exactly the failed backend's slots and its return
// takes back exactly those; the result depends only on which backends are
// eligible, so a restart rebuilds the same table. -1 everywhere when none is.
[[nodiscard]] std::vector<int> buildStableTable(std::span<const MaglevBackend> all, const std::vector<bool>& eligible,
                                                uint32_t size);

// How many slots map to a different backend key in `after` than in `before`.
[[nodiscard]] size_t changedSlots(const std::vector<int>& before, std::span<const MaglevBackend> before_backends,
                                  const std::vector<int>& after, std::span<const MaglevBackend> after_backends);

}  // namespace gtm::lb
