#include "dns/server/udp_listener.hpp"

#include <cstring>
#include <ctime>

#include "common/log.hpp"
#include "dns/server/socket_options.hpp"

namespace gtm::dns::server {

namespace {

IpAddress peerAddress(const sockaddr_storage& ss) {
  IpAddress ip;
  if (ss.ss_family == AF_INET) {
    const auto& sin = reinterpret_cast<const sockaddr_in&>(ss);
    std::memcpy(ip.bytes.data(), &sin.sin_addr, 4);
  } else {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(ss);
    ip.family = IpAddress::Family::v6;
    std::memcpy(ip.bytes.data(), &sin6.sin6_addr, 16);
  }
  return ip;
}

// Turns the destination the query arrived at into the source for the reply.
size_t replyControl(const msghdr& in, uint8_t* out, size_t out_size) {
  for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&in)); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&in), c)) {
    msghdr tmp{};
    tmp.msg_control = out;
    tmp.msg_controllen = out_size;
    cmsghdr* o = CMSG_FIRSTHDR(&tmp);
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

UdpListener::UdpListener(Worker& worker, const SocketAddress& at)
    : worker_(worker), at_(at), socket_(worker.io), in_(kBatch * kMaxQuery), out_(kBatch * size_t{worker.max_udp_payload}) {}

Result<Ok> UdpListener::open() {
  auto r = openUdp(socket_, at_);
  pktinfo_ = at_.ip.isUnspecified();
  return r;
}

void UdpListener::start() { arm(); }

void UdpListener::arm() {
  socket_.async_wait(boost::asio::ip::udp::socket::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled at shutdown
    drain();
  });
}

void UdpListener::drain() {
  const int fd = socket_.native_handle();
  // A bounded number of batches, then back to the event loop so that the
  // thread's other sockets get their turn.
  for (int round = 0; round < 8; ++round) {
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
    int n = ::recvmmsg(fd, in_msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) break;

    const Snapshot& snapshot = worker_.snapshots.get();
    ClientInfo client;
    client.now = static_cast<uint32_t>(std::time(nullptr));
    unsigned replies = 0;
    for (int i = 0; i < n; ++i) {
      const msghdr& h = in_msgs_[i].msg_hdr;
      if (h.msg_flags & MSG_TRUNC) continue;  // larger than any query we accept
      client.address = peerAddress(peers_[i]);
      std::span<uint8_t> out(&out_[replies * size_t{worker_.max_udp_payload}], worker_.max_udp_payload);
      size_t size = worker_.handler.handle(snapshot, {&in_[i * kMaxQuery], in_msgs_[i].msg_len}, client, out);
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
    sendBatch(replies);
    if (n < static_cast<int>(kBatch)) break;
  }
  arm();
}

void UdpListener::sendBatch(unsigned count) {
  unsigned sent = 0;
  while (sent < count) {
    int n = ::sendmmsg(socket_.native_handle(), &out_msgs_[sent], count - sent, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // This reply cannot go (the peer's address was refused, say); skip it.
      ++sent;
      continue;
    }
    sent += static_cast<unsigned>(n);
  }
}

}  // namespace gtm::dns::server
