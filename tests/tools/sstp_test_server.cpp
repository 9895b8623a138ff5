// sstp_test_server: answers as an RRAS SSTP listener does, or fails in one
// chosen way, for the monitor tests, the benchmarks and the lab.
//
//   sstp_test_server --listen ADDR:PORT [--mode MODE] [--cert-days N] [--cn NAME]
//
// Modes:
//   rras           TLS; 401 to GET of the SSTP URI, 200 with Content-Length
//                  18446744073709551615 to SSTP_DUPLEX_POST, then a Call
//                  Connect Ack to the Call Connect Request (the default)
//   nak            as rras, but a Call Connect Nak
//   full           as rras, but 503 to SSTP_DUPLEX_POST (RRAS out of ports)
//   silent         accepts TCP and never sends a byte
//   close-after-tls  completes the TLS handshake, then closes
//   garbage        sends bytes that are not TLS
//   http500        TLS; 500 to every request
//   endless-body   TLS; 200 with a body that never ends
//   endless-head   TLS; a header section that never ends
//   trickle        TLS; a good 401, one byte every 200 ms
// --cert-days N: the certificate is valid N more days (negative: expired).
// --cert-out FILE: write the certificate (PEM) there, for clients to trust.
// --chain FILE --key FILE: present this chain (PEM, the server's certificate
// first) with this key instead of a self-signed certificate.
// --swap-days N: on SIGHUP, replace the certificate with a new one (a new
// key, so another CA to a client that trusts the first) valid N more days,
// keeping the session ticket keys, so clients can still resume.
// Prints "listening ADDR:PORT" when ready, then "requests=N resumed=M" once a
// second (HTTP requests answered, TLS handshakes that resumed a session);
// stops on SIGTERM or SIGINT.
#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/pem.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include "common/ip_address.hpp"
#include "tests/tools/self_signed_cert.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using Stream = asio::ssl::stream<tcp::socket>;

namespace {

std::string mode = "rras";
uint64_t requests = 0;
uint64_t resumed = 0;

const std::string kUnauthorized =
    "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nServer: Microsoft-HTTPAPI/2.0\r\n"
    "WWW-Authenticate: Negotiate\r\n\r\n";
const std::string kDuplexOk =
    "HTTP/1.1 200\r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n";
const std::string kNotFound = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
const std::string kServiceUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const std::string kServerError = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";

// Reads one request head (bounded); empty on error.
asio::awaitable<std::string> readHead(Stream& s) {
  std::string head;
  char buf[1024];
  boost::system::error_code ec;
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
    size_t n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return std::string();
    head.append(buf, n);
  }
  co_return head;
}

asio::awaitable<void> writeAll(Stream& s, const std::string& text, boost::system::error_code& ec) {
  co_await asio::async_write(s, asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> serveTls(Stream s) {
  boost::system::error_code ec;
  co_await s.async_handshake(Stream::server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec || mode == "close-after-tls") co_return;
  if (SSL_session_reused(s.native_handle())) ++resumed;
  for (;;) {
    std::string head = co_await readHead(s);
    if (head.empty()) co_return;
    ++requests;
    if (mode == "http500") {
      co_await writeAll(s, kServerError, ec);
      continue;
    }
    if (mode == "trickle") {
      asio::steady_timer pause(co_await asio::this_coro::executor);
      for (char ch : kUnauthorized) {
        co_await writeAll(s, std::string(1, ch), ec);
        if (ec) co_return;
        pause.expires_after(std::chrono::milliseconds(200));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      continue;
    }
    if (mode == "endless-body" || mode == "endless-head") {
      std::string chunk = mode == "endless-body" ? "HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n"
                                                 : "HTTP/1.1 401 Unauthorized\r\n";
      co_await writeAll(s, chunk, ec);
      std::string filler = mode == "endless-body" ? std::string(4096, 'x') : "X-Filler: " + std::string(100, 'y') + "\r\n";
      while (!ec) co_await writeAll(s, filler, ec);
      co_return;
    }
    bool sstp_uri = head.find(" /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n") != std::string::npos;
    if (head.rfind("SSTP_DUPLEX_POST ", 0) == 0 && sstp_uri && mode == "full") {
      co_await writeAll(s, kServiceUnavailable, ec);
      co_return;
    }
    if (head.rfind("SSTP_DUPLEX_POST ", 0) == 0 && sstp_uri) {
      co_await writeAll(s, kDuplexOk, ec);
      if (ec) co_return;
      uint8_t request[14];
      co_await asio::async_read(s, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
      if (ec || request[0] != 0x10 || request[5] != 0x01) co_return;
      std::string reply;
      if (mode == "nak") {
        reply = std::string("\x10\x01\x00\x08\x00\x03\x00\x00", 8);
      } else {
        // Call Connect Ack: Crypto Binding Request attribute, SHA-256, nonce.
        reply = std::string("\x10\x01\x00\x30\x00\x02\x00\x01\x00\x04\x00\x28\x00\x00\x00\x02", 16) + std::string(32, '\x5a');
      }
      co_await writeAll(s, reply, ec);
      // Hold the call until the client goes, as RRAS would for a while.
      char sink[256];
      while (!ec) co_await s.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    co_await writeAll(s, sstp_uri ? kUnauthorized : kNotFound, ec);
    if (ec) co_return;
  }
}

asio::awaitable<void> serve(tcp::socket socket, asio::ssl::context& tls) {
  boost::system::error_code ec;
  if (mode == "silent") {
    char sink[256];
    while (!ec) co_await socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }
  if (mode == "garbage") {
    std::string junk = "this is not TLS\r\n";
    co_await asio::async_write(socket, asio::buffer(junk), asio::redirect_error(asio::use_awaitable, ec));
    char sink[256];
    while (!ec) co_await socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }
  co_await serveTls(Stream(std::move(socket), tls));
}

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, asio::ssl::context& tls) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), tls), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen, cn = "vpn.example.com", cert_out, chain_file, key_file;
  int cert_days = 365;
  std::optional<int> swap_days;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--listen") listen = argv[i + 1];
    else if (a == "--mode") mode = argv[i + 1];
    else if (a == "--cert-days") cert_days = std::stoi(argv[i + 1]);
    else if (a == "--cn") cn = argv[i + 1];
    else if (a == "--cert-out") cert_out = argv[i + 1];
    else if (a == "--chain") chain_file = argv[i + 1];
    else if (a == "--key") key_file = argv[i + 1];
    else if (a == "--swap-days") swap_days = std::stoi(argv[i + 1]);
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  auto at = gtm::SocketAddress::parse(listen, 443);
  if (!at) {
    std::cerr << "--listen: " << at.error() << "\n";
    return 2;
  }
  asio::io_context io(1);
  asio::ssl::context tls(asio::ssl::context::tls_server);
  if (!chain_file.empty()) {
    boost::system::error_code ec;
    tls.use_certificate_chain_file(chain_file, ec);
    if (!ec) tls.use_private_key_file(key_file, asio::ssl::context::pem, ec);
    if (ec) {
      std::cerr << "--chain/--key: " << ec.message() << "\n";
      return 1;
    }
  } else {
    gtm::test::useSelfSignedCertificate(tls, cn, cert_days);
  }
  if (!cert_out.empty()) {
    FILE* f = std::fopen(cert_out.c_str(), "w");
    if (!f) {
      std::cerr << "cannot write " << cert_out << "\n";
      return 1;
    }
    PEM_write_X509(f, SSL_CTX_get0_certificate(tls.native_handle()));
    std::fclose(f);
  }
  auto address = asio::ip::make_address(at->ip.toString());
  tcp::acceptor acceptor(io);
  acceptor.open(address.is_v4() ? tcp::v4() : tcp::v6());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind({address, at->port});
  acceptor.listen();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  asio::co_spawn(io, acceptLoop(acceptor, tls), asio::detached);
  asio::signal_set hup(io, SIGHUP);
  std::function<void()> swap = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (swap_days) {
        gtm::test::useSelfSignedCertificate(tls, cn, *swap_days);
        std::cout << "swapped certificate" << std::endl;
      }
      swap();
    });
  };
  swap();
  asio::steady_timer tick(io);
  std::function<void()> report = [&] {
    tick.expires_after(std::chrono::seconds(1));
    tick.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      std::cout << "requests=" << requests << " resumed=" << resumed << std::endl;
      report();
    });
  };
  report();
  std::cout << "listening " << at->toString() << std::endl;
  io.run();
  return 0;
}
