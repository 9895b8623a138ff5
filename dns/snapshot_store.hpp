// Publishes the current Snapshot to the query threads. The writer swaps a
// pointer under a mutex and bumps a generation; each reader keeps its own
// reference and only takes the mutex when the generation moved, so the
// query path itself takes no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "dns/snapshot.hpp"

namespace gtm::dns {

class SnapshotStore {
 public:
  void publish(std::shared_ptr<const Snapshot> s) {
    std::lock_guard lock(mutex_);
    current_ = std::move(s);
    generation_.fetch_add(1, std::memory_order_release);
  }
  [[nodiscard]] std::shared_ptr<const Snapshot> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  [[nodiscard]] uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;
  std::atomic<uint64_t> generation_{0};
};

// One per query thread.
class SnapshotReader {
 public:
  explicit SnapshotReader(const SnapshotStore& store) : store_(store) {}
  const Snapshot& get() {
    uint64_t g = store_.generation();
    if (g != generation_ || !snapshot_) {
      snapshot_ = store_.current();
      generation_ = g;
    }
    return *snapshot_;
  }

 private:
  const SnapshotStore& store_;
  std::shared_ptr<const Snapshot> snapshot_;
  uint64_t generation_ = 0;
};

}  // namespace gtm::dns
