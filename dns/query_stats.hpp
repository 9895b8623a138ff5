// Query counters of one query thread: written only by that thread (plain
// relaxed stores, no locked instructions), read by the metrics endpoint,
// which sums the threads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dns/stat_ids.hpp"
#include "dns/traffic_counter.hpp"

namespace gtm::dns {

struct QueryStats {
  // The query types a VPN name server sees; the rest count as "other".
  static constexpr std::array<std::pair<uint16_t, std::string_view>, 10> kTypes{{{1, "A"},
                                                                                 {2, "NS"},
                                                                                 {5, "CNAME"},
                                                                                 {6, "SOA"},
                                                                                 {15, "MX"},
                                                                                 {16, "TXT"},
                                                                                 {28, "AAAA"},
                                                                                 {33, "SRV"},
                                                                                 {255, "ANY"},
                                                                                 {257, "CAA"}}};
  static constexpr size_t kOther = kTypes.size();
  static constexpr size_t kBadvers = 16;  // the one extended rcode we send

  std::array<std::atomic<uint64_t>, 17> by_rcode{};
  std::array<std::atomic<uint64_t>, kTypes.size() + 1> by_type{};
  std::atomic<uint64_t> dropped{0};   // not a query: no answer sent
  std::atomic<uint64_t> truncated{0};
  std::atomic<uint64_t> rate_limited_dropped{0};  // RRL: no response sent
  std::atomic<uint64_t> rate_limited_slipped{0};  // RRL: sent truncated instead
  // By stat id (dns/stat_ids.hpp): queries per zone, answers per endpoint.
  std::array<std::atomic<uint64_t>, kMaxStatZones> by_zone{};
  std::array<std::atomic<uint64_t>, kMaxStatEndpoints> answers{};
  // Answers by endpoint and client network (Traffic View); the collector
  // switches and reads it through a const QueryStats.
  mutable TrafficCounter traffic;

  static void bump(std::atomic<uint64_t>& c) { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  template <size_t N>
  static void bump(std::array<std::atomic<uint64_t>, N>& a, uint32_t id) {
    if (id < N) bump(a[id]);
  }

  void count(uint16_t qtype, unsigned rcode, bool tc) {
    size_t t = kOther;
    for (size_t i = 0; i < kTypes.size(); ++i)
      if (kTypes[i].first == qtype) t = i;
    bump(by_type[t]);
    bump(by_rcode[rcode < by_rcode.size() ? rcode : 0]);
    if (tc) bump(truncated);
  }
};

// Sums of every thread's QueryStats, for the metrics endpoint.
struct QueryTotals {
  std::array<uint64_t, 17> by_rcode{};
  std::array<uint64_t, QueryStats::kTypes.size() + 1> by_type{};
  uint64_t dropped = 0;
  uint64_t truncated = 0;
  uint64_t rate_limited_dropped = 0;
  uint64_t rate_limited_slipped = 0;
  std::vector<uint64_t> by_zone = std::vector<uint64_t>(kMaxStatZones);
  std::vector<uint64_t> answers = std::vector<uint64_t>(kMaxStatEndpoints);

  void add(const QueryStats& s) {
    for (size_t i = 0; i < by_zone.size(); ++i) by_zone[i] += s.by_zone[i].load(std::memory_order_relaxed);
    for (size_t i = 0; i < answers.size(); ++i) answers[i] += s.answers[i].load(std::memory_order_relaxed);
    for (size_t i = 0; i < by_rcode.size(); ++i) by_rcode[i] += s.by_rcode[i].load(std::memory_order_relaxed);
    for (size_t i = 0; i < by_type.size(); ++i) by_type[i] += s.by_type[i].load(std::memory_order_relaxed);
    dropped += s.dropped.load(std::memory_order_relaxed);
    truncated += s.truncated.load(std::memory_order_relaxed);
    rate_limited_dropped += s.rate_limited_dropped.load(std::memory_order_relaxed);
    rate_limited_slipped += s.rate_limited_slipped.load(std::memory_order_relaxed);
  }
};

}  // namespace gtm::dns
