// probe_sink: the far end for probe benchmarks. Answers every IKEv2
// IKE_SA_INIT request on UDP with a NO_PROPOSAL_CHOSEN notify (a daemon that
// is alive), accepts and closes TCP connections, and prints once a second
// how many of each it has seen, as "udp=N tcp=M".
//
//   probe_sink --listen ADDR:PORT
#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <cstring>

#include "common/ip_address.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

uint64_t udp_count = 0, tcp_count = 0;

asio::awaitable<void> answerIke(udp::socket& s) {
  uint8_t in[4096], out[64];
  udp::endpoint peer;
  boost::system::error_code ec;
  for (;;) {
    size_t n = co_await s.async_receive_from(asio::buffer(in), peer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec || n < 28 || in[18] != 34) continue;
    ++udp_count;
    // Header with the initiator's SPI, R flag, then one Notify: NO_PROPOSAL_CHOSEN.
    std::memcpy(out, in, 8);
    std::memset(out + 8, 0x5a, 8);
    out[16] = 41;
    out[17] = 0x20;
    out[18] = 34;
    out[19] = 0x20;
    std::memset(out + 20, 0, 4);
    const uint8_t notify[] = {0, 0, 0, 8, 0, 0, 0, 14};
    std::memcpy(out + 28, notify, sizeof notify);
    uint32_t len = 28 + sizeof notify;
    out[24] = 0, out[25] = 0, out[26] = 0, out[27] = static_cast<uint8_t>(len);
    co_await s.async_send_to(asio::buffer(out, len), peer, asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> acceptTcp(tcp::acceptor& a) {
  boost::system::error_code ec;
  for (;;) {
    tcp::socket s = co_await a.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (!ec) ++tcp_count;
  }
}

asio::awaitable<void> report(asio::steady_timer& t) {
  boost::system::error_code ec;
  for (;;) {
    t.expires_after(std::chrono::seconds(1));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::printf("udp=%llu tcp=%llu\n", static_cast<unsigned long long>(udp_count),
                static_cast<unsigned long long>(tcp_count));
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--listen") {
    std::fprintf(stderr, "usage: probe_sink --listen ADDR:PORT\n");
    return 2;
  }
  auto at = gtm::SocketAddress::parse(argv[2], 0);
  if (!at) {
    std::fprintf(stderr, "--listen: %s\n", at.error().c_str());
    return 2;
  }
  asio::io_context io(1);
  auto address = asio::ip::make_address(at->ip.toString());
  udp::socket u(io, udp::endpoint(address, at->port));
  u.set_option(asio::socket_base::receive_buffer_size(4 << 20));
  tcp::acceptor a(io);
  a.open(address.is_v4() ? tcp::v4() : tcp::v6());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind({address, at->port});
  a.listen(4096);
  asio::steady_timer timer(io);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  asio::co_spawn(io, answerIke(u), asio::detached);
  asio::co_spawn(io, acceptTcp(a), asio::detached);
  asio::co_spawn(io, report(timer), asio::detached);
  std::printf("listening %s\n", at->toString().c_str());
  std::fflush(stdout);
  io.run();
  return 0;
}
