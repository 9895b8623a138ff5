// The DNS server: N query threads, each with its own io_context and its own
// SO_REUSEPORT UDP and TCP sockets on every listen address.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "dns/snapshot_store.hpp"

namespace gtm::dns::server {

struct Worker;
class UdpListener;
class TcpListener;

class Server {
 public:
  Server(const config::DnsSettings& settings, const SnapshotStore& store);
  ~Server();

  // Opens every socket; nothing is served unless all of them open.
  [[nodiscard]] Result<Ok> open();
  void start();  // starts the query threads
  void stop();   // stops them and waits

 private:
  config::DnsSettings settings_;
  const SnapshotStore& store_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<UdpListener>> udp_;
  std::vector<std::unique_ptr<TcpListener>> tcp_;
  std::vector<std::thread> threads_;
};

}  // namespace gtm::dns::server
