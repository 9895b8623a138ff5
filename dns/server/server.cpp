#include "dns/server/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "common/log.hpp"
#include "dns/server/tcp_listener.hpp"
#include "dns/server/tcp_worker.hpp"
#include "dns/server/udp_listener.hpp"
#include "dns/server/xdp/listener.hpp"
#include "dns/server/xdp/program.hpp"

namespace gtm::dns::server {

Server::Server(const config::DnsSettings& settings, const SnapshotStore& store)
    : settings_(settings), store_(store), tcp_clients_(settings.tcp_max_connections_per_client) {}

Server::~Server() { stop(); }

Result<Ok> Server::open() {
  unsigned threads = settings_.threads ? settings_.threads : std::max(1u, std::thread::hardware_concurrency());
  unsigned per_thread_tcp = std::max(1u, (settings_.tcp_max_connections + threads - 1) / threads);
  CookieSecret secret = randomCookieSecret();
  auto idle = std::chrono::milliseconds(static_cast<long>(settings_.tcp_idle_timeout * 1000));
  if (settings_.rrl.enabled) limiter_ = std::make_unique<RateLimiter>(settings_.rrl);
  for (unsigned t = 0; t < threads; ++t) {
    auto worker = std::make_unique<TcpWorker>(store_, secret, settings_.max_udp_payload, per_thread_tcp);
    for (const SocketAddress& at : settings_.listen) {
      auto udp = std::make_unique<UdpListener>(store_, secret, settings_.max_udp_payload, at, limiter_.get(),
                                               BatchWait(settings_.udp_batch_wait_us));
      if (auto r = udp->open(); !r) return r;
      auto tcp = std::make_unique<TcpListener>(*worker, tcp_clients_, at, idle);
      if (auto r = tcp->open(); !r) return r;
      udp_.push_back(std::move(udp));
      tcp_.push_back(std::move(tcp));
    }
    tcp_workers_.push_back(std::move(worker));
  }
  if (!settings_.xdp_interface.empty()) {
    auto program = xdp::Program::attach(settings_.xdp_interface, settings_.listen);
    if (!program) return Error{program.error()};
    xdp_program_ = std::move(*program);
    // Queues past `threads` have no socket: their queries go on to the kernel's.
    unsigned queues = std::min(threads, xdp_program_->receiveQueues());
    if (queues < xdp_program_->receiveQueues())
      log::warn("xdp_interface: more receive queues than threads; the rest take the kernel's path",
                {{"interface", settings_.xdp_interface},
                 {"queues", std::to_string(xdp_program_->receiveQueues())},
                 {"threads", std::to_string(threads)}});
    for (unsigned q = 0; q < queues; ++q) {
      auto l = std::make_unique<xdp::Listener>(store_, secret, settings_.max_udp_payload, limiter_.get(),
                                               BatchWait(settings_.udp_batch_wait_us), *xdp_program_, q);
      if (auto r = l->open(); !r) return r;
      xdp_.push_back(std::move(l));
    }
  }
  return Ok{};
}

void Server::start() {
  // Named, so that top -H, a profile or the watchdog's log says which is which.
  for (auto& l : udp_) {
    threads_.emplace_back([l = l.get()] { l->run(); });
    pthread_setname_np(threads_.back().native_handle(), "gtm-udp");
  }
  for (auto& l : xdp_) {
    threads_.emplace_back([l = l.get()] { l->run(); });
    pthread_setname_np(threads_.back().native_handle(), "gtm-xdp");
  }
  for (auto& l : tcp_) l->start();
  for (auto& w : tcp_workers_) {
    threads_.emplace_back([w = w.get()] {
      auto guard = boost::asio::make_work_guard(w->io);
      // A timer on the worker's own loop shows the watchdog it turns.
      boost::asio::steady_timer tick(w->io);
      std::function<void()> beat = [&] {
        w->heartbeat.beat();
        tick.expires_after(kHeartbeatEvery);
        tick.async_wait([&](const boost::system::error_code& ec) {
          if (!ec) beat();
        });
      };
      beat();
      w->io.run();
    });
    pthread_setname_np(threads_.back().native_handle(), "gtm-tcp");
  }
}

std::string Server::stalled(std::chrono::nanoseconds max_age) const {
  for (const auto& l : udp_)
    if (l->heartbeat.age() > max_age) return "udp query thread";
  for (const auto& l : xdp_)
    if (l->heartbeat.age() > max_age) return "af_xdp query thread";
  for (const auto& w : tcp_workers_)
    if (w->heartbeat.age() > max_age) return "tcp query thread";
  return "";
}

QueryTotals Server::totals() const {
  QueryTotals t;
  for (const auto& l : udp_) t.add(l->stats());
  for (const auto& l : xdp_) t.add(l->stats());
  for (const auto& w : tcp_workers_) t.add(w->handler.stats());
  return t;
}

void Server::eachStats(const std::function<void(const QueryStats&)>& fn) const {
  for (const auto& l : udp_) fn(l->stats());
  for (const auto& l : xdp_) fn(l->stats());
  for (const auto& w : tcp_workers_) fn(w->handler.stats());
}

void Server::stop() {
  for (auto& l : udp_) l->stop();
  for (auto& l : xdp_) l->stop();
  for (auto& w : tcp_workers_) w->io.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  // Listeners and connections belong to the workers' io_contexts: destroy
  // them before the contexts go.
  tcp_.clear();
  udp_.clear();
  xdp_.clear();  // the sockets before the program they joined
  xdp_program_.reset();
  tcp_workers_.clear();
}

}  // namespace gtm::dns::server
