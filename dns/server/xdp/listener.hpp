// One AF_XDP socket on one receive queue, served by its own thread: the XDP
// program (program.hpp) hands it the queue's DNS queries as whole frames in
// shared memory (UMEM), each reply is written in place over its query's frame
// and goes out on the same queue. No system call per batch while queries keep
// arriving but the one that kicks transmission (and a pause after a small
// batch: batch_wait.hpp); poll() when there are none.
//
// Frames: kFrames of kFrameSize bytes. Each is in the fill ring (the kernel's
// to receive into), the receive ring (a query for us), the transmit ring (a
// reply), the completion ring (a sent reply) or the spare stack; the spare
// stack keeps the fill ring topped up, so the kernel never runs dry while
// replies are in flight.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "common/heartbeat.hpp"
#include "common/result.hpp"
#include "dns/query_handler.hpp"
#include "dns/server/batch_wait.hpp"
#include "dns/snapshot_store.hpp"
#include "dns/server/xdp/program.hpp"

struct xsk_socket;
struct xsk_umem;

namespace gtm::dns::server::xdp {

class Listener {
 public:
  static constexpr uint32_t kRingSize = 1024;  // each of the four rings
  static constexpr uint32_t kFrames = 2 * kRingSize;
  static constexpr uint32_t kFrameSize = 4096;
  static constexpr unsigned kBatch = 64;

  Listener(const SnapshotStore& store, const CookieSecret& secret, uint16_t max_udp_payload, RateLimiter* limiter,
           BatchWait batch_wait, Program& program, unsigned queue);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  [[nodiscard]] Result<Ok> open();  // needs root, like Program::attach
  void run();   // serves until stop()
  void stop();  // from any thread
  Heartbeat heartbeat;  // beats each time round run()'s loop
  [[nodiscard]] const QueryStats& stats() const { return handler_.stats(); }

 private:
  struct Rings;
  void reclaim();
  void refill();
  unsigned answer(unsigned received, uint32_t rx_index);
  void kick();
  void wait();

  SnapshotReader snapshots_;
  QueryHandler handler_;
  BatchWait batch_wait_;
  Program& program_;
  unsigned queue_;
  uint16_t payload_cap_;  // what fits in a frame and the interface's MTU
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;      // an eventfd: stop() wakes poll() through it
  uint8_t* area_ = nullptr;  // the UMEM, kFrames * kFrameSize bytes
  xsk_umem* umem_ = nullptr;
  xsk_socket* socket_ = nullptr;
  std::unique_ptr<Rings> rings_;
  std::vector<uint64_t> spare_;  // frame addresses owned by no ring
  std::vector<uint8_t> query_;   // a copy of the query: the reply overwrites its frame
};

}  // namespace gtm::dns::server::xdp
