// One UDP socket served by its own thread: a blocking recvmmsg takes a batch
// (MSG_WAITFORONE: as soon as one query is there, with whatever else has
// arrived), the batch is answered, and one sendmmsg sends every reply. No
// event loop on this path: two system calls per batch (and a pause after a
// small one: batch_wait.hpp).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <vector>

#include "common/heartbeat.hpp"
#include "common/result.hpp"
#include "dns/server/batch_wait.hpp"
#include "dns/query_handler.hpp"
#include "dns/snapshot_store.hpp"

namespace gtm::dns::server {

class UdpListener {
 public:
  static constexpr unsigned kBatch = 32;
  static constexpr size_t kMaxQuery = 4096;

  UdpListener(const SnapshotStore& store, const CookieSecret& secret, uint16_t max_udp_payload,
              const SocketAddress& at, RateLimiter* limiter, BatchWait batch_wait);
  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  [[nodiscard]] Result<Ok> open();
  void run();   // serves until stop()
  void stop();  // from any thread: wakes run() and makes it return
  Heartbeat heartbeat;  // beats each time round run()'s loop
  [[nodiscard]] const QueryStats& stats() const { return handler_.stats(); }

 private:
  unsigned receive();
  unsigned answer(unsigned received);
  void send(unsigned count);

  // A control buffer big enough for IP_PKTINFO or IPV6_PKTINFO.
  using Control = std::array<uint8_t, CMSG_SPACE(sizeof(in6_pktinfo))>;

  SnapshotReader snapshots_;
  QueryHandler handler_;
  uint16_t max_udp_payload_;
  BatchWait batch_wait_;
  SocketAddress at_;
  int fd_ = -1;
  bool pktinfo_ = false;
  std::atomic<bool> stopping_{false};
  // Allocated once; sized from the batch width and the declared limits.
  std::vector<uint8_t> in_;
  std::vector<uint8_t> out_;
  std::array<mmsghdr, kBatch> in_msgs_{};
  std::array<iovec, kBatch> in_iov_{};
  std::array<sockaddr_storage, kBatch> peers_{};
  std::array<Control, kBatch> in_control_{};
  std::array<mmsghdr, kBatch> out_msgs_{};
  std::array<iovec, kBatch> out_iov_{};
  std::array<Control, kBatch> out_control_{};
};

}  // namespace gtm::dns::server
