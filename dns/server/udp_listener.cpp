#include "dns/server/udp_listener.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/sockaddr.hpp"
#include "dns/server/batch_client.hpp"
#include "dns/server/listen_socket.hpp"

namespace gtm::dns::server {
namespace {

// Turns the destination the query arrived at into the source of the reply.
size_t replyControl(msghdr& in, uint8_t* out, size_t out_size) {
  msghdr reply{};
  reply.msg_control = out;
  reply.msg_controllen = out_size;
  cmsghdr* o = CMSG_FIRSTHDR(&reply);
  for (cmsghdr* c = CMSG_FIRSTHDR(&in); c; c = CMSG_NXTHDR(&in, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      info.ipi_spec_dst = info.ipi_addr;
      info.ipi_ifindex = 0;
      o->cmsg_level = IPPROTO_IP;
      o->cmsg_type = IP_PKTINFO;
      o->cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(CMSG_DATA(o), &info, sizeof info);
      return CMSG_SPACE(sizeof info);
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      o->cmsg_level = IPPROTO_IPV6;
      o->cmsg_type = IPV6_PKTINFO;
      o->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
      std::memcpy(CMSG_DATA(o), CMSG_DATA(c), sizeof(in6_pktinfo));
      return CMSG_SPACE(sizeof(in6_pktinfo));
    }
  }
  return 0;
}

}  // namespace

UdpListener::UdpListener(const SnapshotStore& store, const CookieSecret& secret, uint16_t max_udp_payload,
                         const SocketAddress& at, RateLimiter* limiter, BatchWait batch_wait)
    : snapshots_(store),
      handler_(secret, max_udp_payload, limiter),
      max_udp_payload_(max_udp_payload),
      batch_wait_(batch_wait),
      at_(at),
      in_(kBatch * kMaxQuery),
      out_(kBatch * size_t{max_udp_payload}) {}

UdpListener::~UdpListener() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Ok> UdpListener::open() {
  auto fd = openListenSocket(at_, Transport::udp, max_udp_payload_);
  if (!fd) return Error{fd.error()};
  fd_ = *fd;
  pktinfo_ = at_.ip.isUnspecified();
  // An idle socket still wakes its thread now and then, to show the
  // watchdog that the thread is alive.
  timeval wake{static_cast<time_t>(kHeartbeatEvery.count()), 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wake, sizeof wake);
  return Ok{};
}

void UdpListener::stop() {
  stopping_.store(true);
  // Wakes a recvmmsg blocked on this socket; it returns 0 from then on.
  ::shutdown(fd_, SHUT_RD);
}

void UdpListener::run() {
  while (!stopping_.load(std::memory_order_relaxed)) {
    heartbeat.beat();
    unsigned received = receive();
    if (received == 0) continue;
    send(answer(received));
    batch_wait_.after(received);
  }
}

unsigned UdpListener::receive() {
  for (unsigned i = 0; i < kBatch; ++i) {
    in_iov_[i] = {&in_[i * kMaxQuery], kMaxQuery};
    msghdr& h = in_msgs_[i].msg_hdr;
    h.msg_name = &peers_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &in_iov_[i];
    h.msg_iovlen = 1;
    h.msg_control = pktinfo_ ? in_control_[i].data() : nullptr;
    h.msg_controllen = pktinfo_ ? in_control_[i].size() : 0;
    h.msg_flags = 0;
  }
  int n = ::recvmmsg(fd_, in_msgs_.data(), kBatch, MSG_WAITFORONE, nullptr);
  return n > 0 ? static_cast<unsigned>(n) : 0;
}

unsigned UdpListener::answer(unsigned received) {
  const Snapshot& snapshot = snapshots_.get();
  ClientInfo client = udpBatchClient();
  unsigned replies = 0;
  for (unsigned i = 0; i < received; ++i) {
    msghdr& h = in_msgs_[i].msg_hdr;
    if (h.msg_flags & MSG_TRUNC) continue;  // larger than any query we accept
    client.address = fromSockaddr(peers_[i]).ip;
    std::span<uint8_t> out(&out_[replies * size_t{max_udp_payload_}], max_udp_payload_);
    size_t size = handler_.handle(snapshot, {&in_[i * kMaxQuery], in_msgs_[i].msg_len}, client, out);
    if (size == 0) continue;
    out_iov_[replies] = {out.data(), size};
    msghdr& o = out_msgs_[replies].msg_hdr;
    o = msghdr{};
    o.msg_name = &peers_[i];
    o.msg_namelen = h.msg_namelen;
    o.msg_iov = &out_iov_[replies];
    o.msg_iovlen = 1;
    if (pktinfo_) {
      size_t len = replyControl(h, out_control_[replies].data(), out_control_[replies].size());
      o.msg_control = len ? out_control_[replies].data() : nullptr;
      o.msg_controllen = len;
    }
    ++replies;
  }
  return replies;
}

void UdpListener::send(unsigned count) {
  unsigned sent = 0;
  while (sent < count) {
    int n = ::sendmmsg(fd_, &out_msgs_[sent], count - sent, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++sent;  // this reply cannot go (its address was refused, say): skip it
      continue;
    }
    sent += static_cast<unsigned>(n);
  }
}

}  // namespace gtm::dns::server
