// The DNS server. For each of `threads`: one UDP thread per listen address
// (its own SO_REUSEPORT socket, blocking batched I/O) and one TCP thread
// (its own io_context and SO_REUSEPORT listening sockets). Threads share
// nothing but the published snapshot. With [dns] xdp_interface, one more
// thread per receive queue of that interface (up to `threads`) serves its
// UDP queries through AF_XDP; the sockets still serve every other path.
#pragma once

#include <functional>

#include <memory>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "dns/query_stats.hpp"
#include "dns/rate_limiter.hpp"
#include "dns/server/tcp_client_limit.hpp"
#include "dns/snapshot_store.hpp"

namespace gtm::dns::server {

namespace xdp {
class Program;
class Listener;
}  // namespace xdp
struct TcpWorker;
class UdpListener;
class TcpListener;

class Server {
 public:
  Server(const config::DnsSettings& settings, const SnapshotStore& store);
  ~Server();

  // Opens every socket (and attaches the XDP program); nothing is served
  // unless all of them open.
  [[nodiscard]] Result<Ok> open();
  void start();  // starts the threads
  void stop();   // stops them and waits
  // Every thread's query counters, summed.
  [[nodiscard]] QueryTotals totals() const;
  // Each query thread's counters (Traffic View reads their tables).
  void eachStats(const std::function<void(const QueryStats&)>& fn) const;
  // The first query thread that showed no progress within max_age ("udp
  // 127.0.0.1:53"), or "".
  [[nodiscard]] std::string stalled(std::chrono::nanoseconds max_age) const;

 private:
  config::DnsSettings settings_;
  const SnapshotStore& store_;
  std::unique_ptr<RateLimiter> limiter_;  // none when [dns.rrl] is off
  TcpClientLimit tcp_clients_;
  std::vector<std::unique_ptr<UdpListener>> udp_;
  std::unique_ptr<xdp::Program> xdp_program_;
  std::vector<std::unique_ptr<xdp::Listener>> xdp_;
  std::vector<std::unique_ptr<TcpWorker>> tcp_workers_;
  std::vector<std::unique_ptr<TcpListener>> tcp_;
  std::vector<std::thread> threads_;
};

}  // namespace gtm::dns::server
