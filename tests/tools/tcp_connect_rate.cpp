// tcp_connect_rate: opens TCP connections to ADDR:PORT as fast as it can
// from N parallel loops for S seconds, each counted only once the far end has
// closed it (end to end through any proxy in between), then prints
// "connections=N seconds=S rate=R failed=F". For the balancer benchmark;
// the far end is probe_sink, which accepts and closes at once.
//
//   tcp_connect_rate --to ADDR:PORT [--seconds S] [--parallel N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/ip_address.hpp"

int main(int argc, char** argv) {
  std::string to;
  double seconds = 5;
  int parallel = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--to") to = argv[i + 1];
    else if (a == "--seconds") seconds = std::stod(argv[i + 1]);
    else if (a == "--parallel") parallel = std::stoi(argv[i + 1]);
  }
  auto at = gtm::SocketAddress::parse(to, 0);
  if (!at || at->port == 0 || at->ip.family != gtm::IpAddress::Family::v4) {
    std::fprintf(stderr, "usage: tcp_connect_rate --to IPV4:PORT [--seconds S] [--parallel N]\n");
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(at->port);
  std::memcpy(&addr.sin_addr, at->ip.bytes.data(), 4);
  std::atomic<long> done{0}, failed{0};
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < parallel; ++t)
    threads.emplace_back([&] {
      while (std::chrono::steady_clock::now() < end) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char b;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::recv(fd, &b, 1, 0) == 0)
          ++done;
        else
          ++failed;
        // Close with RST: no TIME_WAIT pile-up on the client's ports.
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(fd);
      }
    });
  for (auto& t : threads) t.join();
  std::printf("connections=%ld seconds=%.1f rate=%.0f failed=%ld\n", done.load(), seconds, done / seconds,
              failed.load());
  return 0;
}
