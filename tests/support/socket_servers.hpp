// Small servers on 127.0.0.1 for tests that play a peer (a hostile RADIUS
// server, an IKEv2 responder, a balancer's status page): each runs its
// handler on its own thread until destroyed, on a port of its own.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <thread>

namespace gtm::test {

// A UDP socket: on_datagram(fd, from, request) answers as it likes
// (sendto(fd, ..., from)).
class UdpServer {
 public:
  using Handler = std::function<void(int fd, const sockaddr_in& from, std::span<const uint8_t> request)>;
  explicit UdpServer(Handler on_datagram);
  ~UdpServer();
  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] bool bound() const { return bound_; }

 private:
  Handler on_datagram_;
  int fd_ = -1;
  uint16_t port_ = 0;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A listening TCP socket: on_accept(fd) for each connection, one at a time;
// the connection is closed after it. On `port` when given (a URL fixed
// before the server started), else a free one.
class TcpServer {
 public:
  explicit TcpServer(std::function<void(int fd)> on_accept, uint16_t port = 0);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] bool bound() const { return bound_; }

 private:
  std::function<void(int)> on_accept_;
  int fd_ = -1;
  uint16_t port_ = 0;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gtm::test
