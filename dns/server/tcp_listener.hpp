// DNS over TCP (RFC 7766) for one query thread: 2-byte length framing,
// pipelined queries answered in order, an idle timeout, and a cap on open
// connections, in total and per client, so that idle clients cannot pile up.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "common/result.hpp"
#include "dns/server/tcp_client_limit.hpp"
#include "dns/server/tcp_worker.hpp"

namespace gtm::dns::server {

class TcpListener {
 public:
  TcpListener(TcpWorker& worker, TcpClientLimit& limit, const SocketAddress& at,
              std::chrono::milliseconds idle_timeout);
  [[nodiscard]] Result<Ok> open();
  void start();

 private:
  void acceptNext();

  TcpWorker& worker_;
  TcpClientLimit& limit_;
  SocketAddress at_;
  std::chrono::milliseconds idle_timeout_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
};

}  // namespace gtm::dns::server
