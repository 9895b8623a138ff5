// Progress shown by a thread that must not stall: it beats (one relaxed
// store) each time round its loop, which wakes at least every
// kHeartbeatEvery even when idle; the watchdog pets systemd only while every
// heartbeat is recent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gtm {

inline constexpr std::chrono::seconds kHeartbeatEvery{1};

class Heartbeat {
 public:
  Heartbeat() { beat(); }
  void beat() { last_.store(now(), std::memory_order_relaxed); }
  [[nodiscard]] std::chrono::nanoseconds age() const {
    return std::chrono::nanoseconds(now() - last_.load(std::memory_order_relaxed));
  }

 private:
  static int64_t now() { return std::chrono::steady_clock::now().time_since_epoch().count(); }
  std::atomic<int64_t> last_;
};

}  // namespace gtm
