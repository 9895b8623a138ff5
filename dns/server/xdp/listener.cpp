#include "dns/server/xdp/listener.hpp"

#include <linux/bpf.h>  // XDP_PACKET_HEADROOM
#include <linux/if_xdp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dns/server/batch_client.hpp"
#include "dns/server/xdp/udp_frame.hpp"

namespace gtm::dns::server::xdp {

struct Listener::Rings {
  xsk_ring_prod fill{};
  xsk_ring_cons completion{};
  xsk_ring_cons rx{};
  xsk_ring_prod tx{};
};

namespace {

constexpr size_t kMaxQuery = 4096;

// The largest DNS message a reply may carry: what `max_udp_payload` allows,
// what fits in a frame after the kernel's headroom (XDP_PACKET_HEADROOM) and
// the headers, and what the interface's MTU takes with IPv6 and UDP headers
// (replies are never fragmented). The handler advertises this size in EDNS.
uint16_t payloadCap(uint16_t max_udp_payload, unsigned mtu) {
  size_t by_mtu = mtu > 48 + 512 ? mtu - 48 : 512;
  size_t by_frame = Listener::kFrameSize - XDP_PACKET_HEADROOM - kIpv6Headers;
  return static_cast<uint16_t>(std::min<size_t>({max_udp_payload, by_frame, by_mtu}));
}

// The start of the frame an address points into (the UMEM is in aligned mode).
uint64_t frameOf(uint64_t addr) { return addr & ~uint64_t{Listener::kFrameSize - 1}; }

}  // namespace

Listener::Listener(const SnapshotStore& store, const CookieSecret& secret, uint16_t max_udp_payload,
                   RateLimiter* limiter, BatchWait batch_wait, Program& program, unsigned queue)
    : snapshots_(store),
      handler_(secret, payloadCap(max_udp_payload, program.mtu()), limiter),
      batch_wait_(batch_wait),
      program_(program),
      queue_(queue),
      payload_cap_(payloadCap(max_udp_payload, program.mtu())),
      rings_(std::make_unique<Rings>()),
      query_(kMaxQuery) {}

Listener::~Listener() {
  if (socket_) xsk_socket__delete(socket_);
  if (umem_) xsk_umem__delete(umem_);
  if (area_) ::munmap(area_, size_t{kFrames} * kFrameSize);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Result<Ok> Listener::open() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Error{failure("eventfd", errno)};
  void* area = ::mmap(nullptr, size_t{kFrames} * kFrameSize, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (area == MAP_FAILED) return Error{failure("cannot map the frame area", errno)};
  area_ = static_cast<uint8_t*>(area);
  xsk_umem_config umem_config{kRingSize, kRingSize, kFrameSize, 0, 0};
  if (int err = xsk_umem__create(&umem_, area_, size_t{kFrames} * kFrameSize, &rings_->fill, &rings_->completion,
                                 &umem_config))
    return Error{failure("cannot register the frame area", err)};
  xsk_socket_config config{};
  config.rx_size = kRingSize;
  config.tx_size = kRingSize;
  config.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // program.cpp attaches ours
  config.bind_flags = XDP_USE_NEED_WAKEUP;  // zero-copy where the driver can, copy elsewhere
  if (int err = xsk_socket__create(&socket_, program_.interface().c_str(), queue_, umem_, &rings_->rx, &rings_->tx,
                                   &config))
    return Error{failure("cannot open an AF_XDP socket on queue " + std::to_string(queue_), err)};
  if (auto r = program_.addSocket(queue_, xsk_socket__fd(socket_)); !r) return r;
  spare_.reserve(kFrames);
  for (uint32_t i = kFrames; i-- > 0;) spare_.push_back(uint64_t{i} * kFrameSize);
  refill();
  return Ok{};
}

void Listener::stop() {
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void Listener::run() {
  while (!stopping_.load(std::memory_order_relaxed)) {
    heartbeat.beat();  // wait() returns within a second when idle
    reclaim();
    refill();
    uint32_t index = 0;
    unsigned received = xsk_ring_cons__peek(&rings_->rx, kBatch, &index);
    if (received == 0) {
      wait();
      continue;
    }
    unsigned replies = answer(received, index);
    xsk_ring_cons__release(&rings_->rx, received);
    if (replies) kick();
    batch_wait_.after(received);
  }
}

// Sent replies' frames back to the spare stack.
void Listener::reclaim() {
  uint32_t index = 0;
  unsigned done = xsk_ring_cons__peek(&rings_->completion, kRingSize, &index);
  for (unsigned i = 0; i < done; ++i) spare_.push_back(frameOf(*xsk_ring_cons__comp_addr(&rings_->completion, index + i)));
  if (done) xsk_ring_cons__release(&rings_->completion, done);
}

void Listener::refill() {
  uint32_t free = xsk_prod_nb_free(&rings_->fill, static_cast<uint32_t>(spare_.size()));
  unsigned n = std::min<uint32_t>(free, static_cast<uint32_t>(spare_.size()));
  if (n == 0) return;
  uint32_t index = 0;
  if (xsk_ring_prod__reserve(&rings_->fill, n, &index) != n) return;
  for (unsigned i = 0; i < n; ++i) {
    *xsk_ring_prod__fill_addr(&rings_->fill, index + i) = spare_.back();
    spare_.pop_back();
  }
  xsk_ring_prod__submit(&rings_->fill, n);
}

unsigned Listener::answer(unsigned received, uint32_t rx_index) {
  uint32_t tx_index = 0;
  // All or nothing: when the kernel falls this far behind, the batch is dropped.
  unsigned room = xsk_ring_prod__reserve(&rings_->tx, received, &tx_index);
  const Snapshot& snapshot = snapshots_.get();
  ClientInfo client = udpBatchClient();
  unsigned replies = 0;
  for (unsigned i = 0; i < received; ++i) {
    const xdp_desc* in = xsk_ring_cons__rx_desc(&rings_->rx, rx_index + i);
    uint64_t base = frameOf(in->addr);
    uint8_t* data = area_ + in->addr;  // the kernel puts the frame after its headroom
    size_t room_in_frame = kFrameSize - (in->addr - base);
    auto frame = parseUdpFrame({data, in->len});
    size_t size = 0;
    if (frame && replies < room && frame->payload.size() <= query_.size()) {
      // The reply overwrites the query: the handler reads a copy.
      std::memcpy(query_.data(), frame->payload.data(), frame->payload.size());
      client.address = frame->client;
      size_t cap = std::min<size_t>(payload_cap_, room_in_frame - frame->header_size);
      size = handler_.handle(snapshot, {query_.data(), frame->payload.size()}, client,
                             {data + frame->header_size, cap});
    }
    if (size == 0) {
      spare_.push_back(base);
      continue;
    }
    xdp_desc* out = xsk_ring_prod__tx_desc(&rings_->tx, tx_index + replies);
    out->addr = in->addr;
    out->len = static_cast<uint32_t>(makeReplyFrame({data, room_in_frame}, frame->header_size, size));
    out->options = 0;
    ++replies;
  }
  // Give back the transmit slots reserved for queries that got no reply.
  rings_->tx.cached_prod -= room - replies;
  if (replies) xsk_ring_prod__submit(&rings_->tx, replies);
  return replies;
}

// Asks the kernel to send what the transmit ring holds. In copy mode each call
// sends a bounded batch and says EAGAIN while more is left.
void Listener::kick() {
  if (!xsk_ring_prod__needs_wakeup(&rings_->tx)) return;
  int fd = xsk_socket__fd(socket_);
  for (int tries = 0; tries < 64; ++tries) {
    if (::sendto(fd, nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) return;
    if (errno != EAGAIN && errno != EBUSY && errno != EINTR) return;
    reclaim();
  }
}

void Listener::wait() {
  if (xsk_ring_prod__needs_wakeup(&rings_->fill)) {
    // Zero-copy drivers may wait for a wakeup to use the refilled frames.
    ::recvfrom(xsk_socket__fd(socket_), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
  }
  pollfd fds[2] = {{xsk_socket__fd(socket_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  ::poll(fds, 2, 1000);
}

}  // namespace gtm::dns::server::xdp
