#include "tests/support/socket_servers.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace gtm::test {
namespace {

// A socket of `type` bound to 127.0.0.1 on a port the kernel picks.
int bindLoopback(int type, uint16_t& port, bool& bound) {
  int fd = ::socket(AF_INET, type, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);  // 0: any free port
  bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && (type != SOCK_STREAM || ::listen(fd, 64) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// Whether `fd` became readable within 100 ms (so that loops see stop_).
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 100) == 1;
}

}  // namespace

UdpServer::UdpServer(Handler on_datagram) : on_datagram_(std::move(on_datagram)) {
  fd_ = bindLoopback(SOCK_DGRAM, port_, bound_);
  thread_ = std::thread([this] {
    std::vector<uint8_t> buf(65535);
    while (!stop_) {
      if (!readable(fd_)) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n > 0) on_datagram_(fd_, from, std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    }
  });
}

UdpServer::~UdpServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

TcpServer::TcpServer(std::function<void(int)> on_accept, uint16_t port) : on_accept_(std::move(on_accept)), port_(port) {
  fd_ = bindLoopback(SOCK_STREAM, port_, bound_);
  thread_ = std::thread([this] {
    while (!stop_) {
      if (!readable(fd_)) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      on_accept_(c);
      ::close(c);
    }
  });
}

TcpServer::~TcpServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

}  // namespace gtm::test
