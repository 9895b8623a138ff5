// One UDP socket of one query thread: waits for readability, then drains the
// socket in batches with recvmmsg and answers each batch with one sendmmsg.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <memory>
#include <vector>

#include "common/result.hpp"
#include "dns/server/worker.hpp"

namespace gtm::dns::server {

class UdpListener {
 public:
  static constexpr unsigned kBatch = 32;
  static constexpr size_t kMaxQuery = 4096;

  UdpListener(Worker& worker, const SocketAddress& at);
  [[nodiscard]] Result<Ok> open();
  void start();

 private:
  void arm();
  void drain();
  void sendBatch(unsigned count);

  // A control buffer big enough for IP_PKTINFO or IPV6_PKTINFO.
  using Control = std::array<uint8_t, CMSG_SPACE(sizeof(in6_pktinfo))>;

  Worker& worker_;
  SocketAddress at_;
  boost::asio::ip::udp::socket socket_;
  bool pktinfo_ = false;
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
