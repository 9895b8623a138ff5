#include "common/asio_address.hpp"
#include "dns/server/tcp_listener.hpp"

#include <array>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <ctime>
#include <memory>
#include <vector>

#include "dns/server/listen_socket.hpp"

namespace gtm::dns::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One client connection: read a framed query, answer it, repeat. The timer
// closes the socket when no complete query arrives within the idle timeout.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // The client's slots (in the worker and in the per-client limit) are
  // taken already; the connection gives them back when it goes.
  Connection(TcpWorker& worker, TcpClientLimit& limit, tcp::socket socket, const IpAddress& peer,
             std::chrono::milliseconds idle)
      : worker_(worker), limit_(limit), socket_(std::move(socket)), timer_(worker.io), idle_(idle) {
    ++worker_.connections;
    client_.address = peer;
    client_.tcp = true;
  }
  ~Connection() {
    --worker_.connections;
    limit_.give(client_.address);
  }

  void start() {
    armTimer();
    readLength();
  }

 private:
  void armTimer() {
    timer_.expires_after(idle_);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->close();
    });
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void readLength() {
    asio::async_read(socket_, asio::buffer(length_),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       if (ec) return self->finish();
                       size_t len = (size_t{self->length_[0]} << 8) | self->length_[1];
                       self->readQuery(len);
                     });
  }

  void readQuery(size_t len) {
    // Grown to the largest query this client has sent, never more.
    if (query_.size() < len) query_.resize(len);
    asio::async_read(socket_, asio::buffer(query_.data(), len),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                       if (ec) return self->finish();
                       self->answer(n);
                     });
  }

  void answer(size_t query_size) {
    client_.now = static_cast<uint32_t>(std::time(nullptr));
    const Snapshot& snapshot = worker_.snapshots.get();
    if (snapshot.transfers) {
      auto messages = worker_.handler.handOver(snapshot, {query_.data(), query_size}, client_);
      if (!messages.empty()) return sendAll(messages);
    }
    std::vector<uint8_t>& scratch = worker_.scratch;
    size_t size = worker_.handler.handle(snapshot, {query_.data(), query_size}, client_,
                                         {scratch.data() + 2, scratch.size() - 2});
    if (size == 0) {
      // Not a query (QR set, too short): RFC 7766 lets us close.
      return finish();
    }
    scratch[0] = static_cast<uint8_t>(size >> 8);
    scratch[1] = static_cast<uint8_t>(size);
    // Kept until written; its capacity stays at the largest answer so far.
    response_.assign(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(size + 2));
    armTimer();
    asio::async_write(socket_, asio::buffer(response_.data(), size + 2),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (ec) return self->finish();
                        self->readLength();
                      });
  }

  // A transfer's messages, each framed, in one write.
  void sendAll(const std::vector<std::string>& messages) {
    response_.clear();
    for (const std::string& m : messages) {
      if (m.size() > 65535) continue;
      response_.push_back(static_cast<uint8_t>(m.size() >> 8));
      response_.push_back(static_cast<uint8_t>(m.size()));
      response_.insert(response_.end(), m.begin(), m.end());
    }
    armTimer();
    asio::async_write(socket_, asio::buffer(response_.data(), response_.size()),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (ec) return self->finish();
                        self->readLength();
                      });
  }

  void finish() {
    timer_.cancel();
    close();
  }

  TcpWorker& worker_;
  TcpClientLimit& limit_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::chrono::milliseconds idle_;
  ClientInfo client_;
  std::array<uint8_t, 2> length_{};
  // Empty until a query arrives: an idle connection costs its socket and
  // this object, not 128 KiB.
  std::vector<uint8_t> query_;
  std::vector<uint8_t> response_;
};

}  // namespace

TcpListener::TcpListener(TcpWorker& worker, TcpClientLimit& limit, const SocketAddress& at,
                         std::chrono::milliseconds idle_timeout)
    : worker_(worker), limit_(limit), at_(at), idle_timeout_(idle_timeout), acceptor_(worker.io), retry_(worker.io) {}

Result<Ok> TcpListener::open() {
  auto fd = openListenSocket(at_, Transport::tcp);
  if (!fd) return Error{fd.error()};
  boost::system::error_code ec;
  acceptor_.assign(at_.ip.family == IpAddress::Family::v6 ? tcp::v6() : tcp::v4(), *fd, ec);
  if (ec) return Error{"cannot use the socket for " + at_.toString() + "/tcp: " + ec.message()};
  return Ok{};
}

void TcpListener::start() { acceptNext(); }

void TcpListener::acceptNext() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors, say: wait a little instead of spinning.
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](const boost::system::error_code& e) {
        if (!e) acceptNext();
      });
      return;
    }
    boost::system::error_code peer_error;
    auto peer = socket.remote_endpoint(peer_error);
    // Full, in total or for this client: refuse rather than queue.
    if (!peer_error && worker_.connections < worker_.max_connections) {
      IpAddress client = fromAsio(peer.address());
      if (limit_.take(client)) {
        std::make_shared<Connection>(worker_, limit_, std::move(socket), client, idle_timeout_)->start();
      }
    }
    boost::system::error_code ignored;
    socket.close(ignored);  // no-op when the connection took it
    acceptNext();
  });
}

}  // namespace gtm::dns::server
