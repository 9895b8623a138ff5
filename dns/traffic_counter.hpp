// Which client networks a query thread sent to which endpoint, counted on
// the query path without a lock, a locked instruction or an allocation: a
// fixed open-addressed table of (endpoint, network) -> count written only by
// its thread, and a second one, so that the collector (status/traffic_view)
// switches the thread to the other table and reads this one once the
// thread has moved on. A table that is full drops the pair (the endpoint's
// answer counter still has it: the collector reports the difference as
// "other networks").
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "policy/router.hpp"

namespace gtm::dns {

class TrafficCounter {
 public:
  static constexpr size_t kSlots = 4096;  // distinct pairs per thread between two collections
  static constexpr size_t kProbes = 8;

  // The client's network: its IPv4 /24 or IPv6 /48, or the ECS source's
  // prefix when shorter. Bit 63: IPv6; bits 48-55: the prefix length; the
  // low 48 bits: the network's first bytes.
  [[nodiscard]] static uint64_t networkKey(const policy::ClientView& c) noexcept {
    const bool v6 = c.address.family == IpAddress::Family::v6;
    const uint8_t most = v6 ? 48 : 24;
    const uint8_t prefix = c.prefix < most ? c.prefix : most;
    auto bytes = c.address.span();
    uint64_t net = 0;
    for (size_t i = 0; i < 6; ++i) {
      unsigned bits = prefix > i * 8 ? prefix - static_cast<unsigned>(i * 8) : 0;
      uint8_t keep = bits >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - bits));
      uint8_t b = i < bytes.size() && bits ? static_cast<uint8_t>(bytes[i] & keep) : 0;
      net = net << 8 | b;
    }
    return (v6 ? uint64_t{1} << 63 : 0) | uint64_t{prefix} << 48 | net;
  }

  // On the query thread.
  void count(uint32_t stat_id, uint64_t net) noexcept {
    Table& t = tables_[active_.load(std::memory_order_relaxed) & 1];
    uint64_t h = (net ^ (uint64_t{stat_id} << 32 | stat_id)) * 0x9E3779B97F4A7C15ull;
    size_t at = static_cast<size_t>(h >> 52) & (kSlots - 1);
    for (size_t i = 0; i < kProbes; ++i, at = (at + 1) & (kSlots - 1)) {
      Slot& s = t[at];
      uint32_t n = s.count.load(std::memory_order_relaxed);
      if (n == 0) {
        s.net.store(net, std::memory_order_relaxed);
        s.stat.store(stat_id, std::memory_order_relaxed);
        s.count.store(1, std::memory_order_release);
        return;
      }
      if (s.net.load(std::memory_order_relaxed) == net && s.stat.load(std::memory_order_relaxed) == stat_id) {
        s.count.store(n + 1, std::memory_order_relaxed);
        return;
      }
    }
  }

  // The collector: the thread fills the other table from its next answer.
  void flip() noexcept { active_.fetch_add(1, std::memory_order_acq_rel); }
  // The collector, a moment after flip(): fn(stat_id, net, count) for each
  // pair of the table the thread left, which is then empty again.
  template <typename Fn>
  void drain(Fn fn) noexcept {
    Table& t = tables_[(active_.load(std::memory_order_acquire) + 1) & 1];
    for (Slot& s : t) {
      uint32_t n = s.count.load(std::memory_order_acquire);
      if (n == 0) continue;
      fn(s.stat.load(std::memory_order_relaxed), s.net.load(std::memory_order_relaxed), n);
      s.count.store(0, std::memory_order_relaxed);
    }
  }

 private:
  struct Slot {
    std::atomic<uint64_t> net{0};
    std::atomic<uint32_t> stat{0};
    std::atomic<uint32_t> count{0};
  };
  using Table = std::array<Slot, kSlots>;
  std::array<Table, 2> tables_{};
  std::atomic<uint32_t> active_{0};
};

}  // namespace gtm::dns
