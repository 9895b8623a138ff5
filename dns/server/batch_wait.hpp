// After answering a small batch, a UDP thread (sockets or AF_XDP) waits a
// moment before reading again, so that queries arriving close together are
// read, answered and sent together, the way a NIC moderates its interrupts:
// fewer system calls and wake-ups per query, for gtm and for its clients,
// at the price of at most `udp_batch_wait_us` (plus the kernel's timer slack,
// 50 us by default) of added latency. A full batch means queries are waiting:
// no pause then. 0 turns it off.
#pragma once

#include <ctime>

namespace gtm::dns::server {

class BatchWait {
 public:
  static constexpr unsigned kSmallBatch = 16;

  explicit BatchWait(unsigned microseconds) : nanoseconds_(static_cast<long>(microseconds) * 1000) {}

  void after(unsigned batch) const {
    if (nanoseconds_ == 0 || batch >= kSmallBatch) return;
    timespec pause{0, nanoseconds_};
    ::nanosleep(&pause, nullptr);
  }

 private:
  long nanoseconds_;
};

}  // namespace gtm::dns::server
