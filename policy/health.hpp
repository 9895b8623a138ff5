// Endpoint health as the decision path reads it: one small value per
// endpoint, written by a single writer (the monitor engine), read by every
// query thread without a lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

namespace gtm::policy {

// Traffic Manager's vocabulary for an endpoint's monitor status.
enum class Health : uint8_t {
  checking,     // CheckingEndpoint: no result yet; answered as if Online
  online,       // Online
  degraded,     // Degraded
  unmonitored,  // Unmonitored: no monitors (or always serve)
  full,         // Online, but taking no new clients (RRAS out of ports)
};

[[nodiscard]] constexpr std::string_view healthName(Health h) {
  switch (h) {
    case Health::checking: return "CheckingEndpoint";
    case Health::online: return "Online";
    case Health::degraded: return "Degraded";
    case Health::unmonitored: return "Unmonitored";
    case Health::full: return "Full";
  }
  return "?";
}

// Per endpoint: the monitored health (single writer: the monitor engine)
// and the admin's override (single writer: the control API), each read by
// every query thread without a lock.
class HealthTable {
 public:
  explicit HealthTable(size_t size, Health initial = Health::checking)
      : size_(size),
        slots_(std::make_unique<std::atomic<Health>[]>(size)),
        disabled_(std::make_unique<std::atomic<bool>[]>(size)),
        reals_(std::make_unique<std::atomic<uint32_t>[]>(size)) {
    for (size_t i = 0; i < size; ++i) {
      slots_[i].store(initial, std::memory_order_relaxed);
      disabled_[i].store(false, std::memory_order_relaxed);
      reals_[i].store(kRealsUnknown, std::memory_order_relaxed);
    }
  }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] Health get(size_t slot) const { return slots_[slot].load(std::memory_order_relaxed); }
  void set(size_t slot, Health h) { slots_[slot].store(h, std::memory_order_relaxed); }

  // Disabled by an admin: never answered, whatever its health.
  [[nodiscard]] bool adminDisabled(size_t slot) const { return disabled_[slot].load(std::memory_order_relaxed); }
  void setAdminDisabled(size_t slot, bool disabled) { disabled_[slot].store(disabled, std::memory_order_relaxed); }

  // Real servers taking new clients behind the endpoint, as its gtm-lb
  // checks report them (single writer: the monitor engine); weight_from
  // scales its weight by them.
  static constexpr uint32_t kRealsUnknown = UINT32_MAX;
  [[nodiscard]] uint32_t reals(size_t slot) const { return reals_[slot].load(std::memory_order_relaxed); }
  void setReals(size_t slot, uint32_t n) { reals_[slot].store(n, std::memory_order_relaxed); }

 private:
  size_t size_;
  std::unique_ptr<std::atomic<Health>[]> slots_;
  std::unique_ptr<std::atomic<bool>[]> disabled_;
  std::unique_ptr<std::atomic<uint32_t>[]> reals_;
};

}  // namespace gtm::policy
