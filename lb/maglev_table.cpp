#include "lb/maglev_table.hpp"

#include <algorithm>
#include <numeric>

#include "common/hash.hpp"

namespace gtm::lb {
namespace {

bool isPrime(uint32_t n) {
  if (n < 2) return false;
  for (uint32_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

uint64_t hash(const std::string& s, uint64_t seed) { return Fnv1a(seed).add(s).finish(); }

}  // namespace

uint32_t maglevTableSize(uint64_t total_weight) {
  uint64_t want = std::max<uint64_t>(251, 100 * total_weight + 1);
  if (want >= kMaxMaglevTableSize) return kMaxMaglevTableSize;
  auto n = static_cast<uint32_t>(want);
  while (!isPrime(n)) ++n;
  return std::min(n, kMaxMaglevTableSize);
}

std::vector<int> buildMaglevTable(std::span<const MaglevBackend> backends, uint32_t size) {
  std::vector<int> table(size, -1);
  if (backends.empty()) return table;
  const size_t n = backends.size();
  std::vector<uint64_t> offset(n), skip(n), next(n, 0);
  for (size_t i = 0; i < n; ++i) {
    offset[i] = hash(backends[i].key, 0x9e3779b97f4a7c15ull) % size;
    skip[i] = hash(backends[i].key, 0xc2b2ae3d27d4eb4full) % (size - 1) + 1;
  }
  // Weighted turns: in each round a backend places as many entries as its
  // weight, taking its next preferred slot that is still free.
  uint64_t total = 0;
  for (const auto& b : backends) total += b.weight;
  std::vector<uint32_t> weight(n);
  for (size_t i = 0; i < n; ++i)
    weight[i] = total <= size ? backends[i].weight
                              : std::max<uint32_t>(1, static_cast<uint32_t>(uint64_t{backends[i].weight} * size / total));
  uint32_t max_weight = *std::max_element(weight.begin(), weight.end());
  size_t filled = 0;
  while (filled < size) {
    for (uint32_t turn = 0; turn < max_weight && filled < size; ++turn) {
      for (size_t i = 0; i < n && filled < size; ++i) {
        if (turn >= weight[i]) continue;
        uint64_t slot;
        do {
          slot = (offset[i] + next[i] * skip[i]) % size;
          ++next[i];
        } while (table[slot] >= 0);
        table[slot] = static_cast<int>(i);
        ++filled;
      }
    }
  }
  return table;
}

std::vector<int> buildStableTable(std::span<const MaglevBackend> all, const std::vector<bool>& eligible,
                                  uint32_t size) {
  std::vector<MaglevBackend> subset;
  std::vector<int> index;  // subset position -> position in `all`
  for (size_t i = 0; i < all.size(); ++i)
    if (eligible[i]) {
      subset.push_back(all[i]);
      index.push_back(static_cast<int>(i));
    }
  if (subset.empty()) return std::vector<int>(size, -1);
  std::vector<int> table = buildMaglevTable(all, size);
  std::vector<int> fallback = buildMaglevTable(subset, size);
  for (uint32_t s = 0; s < size; ++s)
    if (!eligible[static_cast<size_t>(table[s])]) table[s] = index[static_cast<size_t>(fallback[s])];
  return table;
}

size_t changedSlots(const std::vector<int>& before, std::span<const MaglevBackend> before_backends,
                    const std::vector<int>& after, std::span<const MaglevBackend> after_backends) {
  size_t changed = 0;
  for (size_t s = 0; s < before.size() && s < after.size(); ++s) {
    const std::string* a = before[s] >= 0 ? &before_backends[static_cast<size_t>(before[s])].key : nullptr;
    const std::string* b = after[s] >= 0 ? &after_backends[static_cast<size_t>(after[s])].key : nullptr;
    if ((a == nullptr) != (b == nullptr) || (a && *a != *b)) ++changed;
  }
  return changed + (before.size() > after.size() ? before.size() - after.size() : after.size() - before.size());
}

}  // namespace gtm::lb
