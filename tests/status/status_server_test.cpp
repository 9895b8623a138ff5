// The status server's limits against abusive clients, on loopback with a
// stand-in provider: request rate per client address (429), request size
// (413), slow clients (the request timeout) and open connections.
#include "status/status_server.hpp"

#include "common/asio_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace gtm::test {
namespace {

class FixedProvider : public status::StatusProvider {
 public:
  std::string statusJson(const status::StatusQuery&) override { return "{}"; }
  std::string metricsText() override { return "gtm_up 1\n"; }
  status::ControlOutcome control(const std::string&, const std::string&, const std::string&,
                                 const status::Actor&) override {
    return {status::ControlOutcome::Kind::unknown, ""};
  }
};

// A free loopback port for TCP right now.
uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class Client {
 public:
  Client(uint16_t port, const char* source) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{}, to{};
    from.sin_family = to.sin_family = AF_INET;
    inet_pton(AF_INET, source, &from.sin_addr);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    connected_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) { (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Everything until the server closes, or "" after timeout_ms without a close.
  std::string readToClose(int timeout_ms = 2000) {
    std::string out;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return "";
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return out.empty() ? "closed" : out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string get(uint16_t port, const char* source, const std::string& extra_headers = "") {
  Client c(port, source);
  c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n");
  return c.readToClose();
}

std::string statusLine(const std::string& response) { return response.substr(0, response.find("\r\n")); }

class StatusServerLimits : public ::testing::Test {
 protected:
  void start(status::StatusLimits limits) {
    port_ = freePort();
    server_ = std::make_unique<status::StatusServer>(SocketAddress{*IpAddress::parse("127.0.0.1"), port_}, status::Access{},
                                                     provider_, limits);
    ASSERT_TRUE(server_->start().ok());
  }
  FixedProvider provider_;
  uint16_t port_ = 0;
  std::unique_ptr<status::StatusServer> server_;
};

TEST(StatusServerKeys, IPv6ClientsShareTheirSlash64) {
  auto key = [](const char* text) { return status::rateLimitKey(*IpAddress::parse(text)); };
  EXPECT_EQ(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  EXPECT_NE(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
  EXPECT_NE(key("192.0.2.1"), key("192.0.2.2"));
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
  EXPECT_EQ(key("192.0.2.1"), status::rateLimitKey(fromAsio(boost::asio::ip::make_address("::ffff:192.0.2.1"))));
}

TEST_F(StatusServerLimits, RequestRatePerClientAddress) {
  status::StatusLimits limits;
  limits.requests_per_second = 2;
  limits.burst = 5;
  start(limits);
  unsigned ok = 0, limited = 0;
  for (int i = 0; i < 12; ++i) {
    std::string r = get(port_, "127.0.0.2");
    if (statusLine(r) == "HTTP/1.1 200 OK") ++ok;
    if (statusLine(r) == "HTTP/1.1 429 Too Many Requests") {
      ++limited;
      EXPECT_NE(r.find("Retry-After: 1"), std::string::npos) << r;
    }
  }
  EXPECT_GE(ok, 5u);
  EXPECT_LE(ok, 6u);  // the burst, and perhaps one more refilled meanwhile
  EXPECT_EQ(ok + limited, 12u);
  EXPECT_EQ(statusLine(get(port_, "127.0.0.3")), "HTTP/1.1 200 OK") << "another client is not limited";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(statusLine(get(port_, "127.0.0.2")), "HTTP/1.1 200 OK") << "the bucket refills";
}

TEST_F(StatusServerLimits, OversizedRequestIsRefusedWith413) {
  start({});
  std::string big = "X-Padding: " + std::string(9000, 'a') + "\r\n";
  EXPECT_EQ(statusLine(get(port_, "127.0.0.2", big)), "HTTP/1.1 413 Payload Too Large");
  Client body(port_, "127.0.0.2");
  body.send("POST /api/v1/endpoints/p/e/disable HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n" +
            std::string(9000, 'b'));
  EXPECT_EQ(statusLine(body.readToClose()), "HTTP/1.1 413 Payload Too Large");
  EXPECT_EQ(statusLine(get(port_, "127.0.0.2")), "HTTP/1.1 200 OK");
}

TEST_F(StatusServerLimits, SlowClientsAndOpenConnections) {
  status::StatusLimits limits;
  limits.head_timeout = std::chrono::milliseconds(600);
  limits.max_connections = 2;
  start(limits);
  // Two clients trickling a request in hold both connections...
  Client a(port_, "127.0.0.2"), b(port_, "127.0.0.3");
  ASSERT_TRUE(a.connected() && b.connected());
  a.send("GET /hea");
  b.send("GET /hea");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // ...so a third is closed at once, without an answer.
  Client c(port_, "127.0.0.4");
  EXPECT_EQ(c.readToClose(500), "closed");
  // One byte every 100 ms does not keep a slot past the request timeout.
  auto start_time = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    a.send("l");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(a.readToClose(1000), "closed");
  EXPECT_EQ(b.readToClose(1000), "closed");
  EXPECT_LT(std::chrono::steady_clock::now() - start_time, std::chrono::milliseconds(2500));
  EXPECT_EQ(statusLine(get(port_, "127.0.0.4")), "HTTP/1.1 200 OK") << "the slots are free again";
}

// Slowloris from one address: 100 connections, each sending a header byte a
// second and reconnecting when closed. Another address is still answered.
TEST_F(StatusServerLimits, SlowlorisFromOneAddressLeavesOthersServed) {
  start({});
  std::vector<std::unique_ptr<Client>> attackers(100);
  auto attack = [&] {
    for (auto& a : attackers) {
      if (!a || a->readToClose(0) == "closed") a = std::make_unique<Client>(port_, "127.0.0.2");
      a->send("G");
    }
  };
  unsigned asked = 0, answered = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < end) {
    attack();
    for (int i = 0; i < 8; ++i) {
      ++asked;
      answered += statusLine(get(port_, "127.0.0.1")) == "HTTP/1.1 200 OK";
      std::this_thread::sleep_for(std::chrono::milliseconds(120));
    }
  }
  EXPECT_GE(asked, 31u);
  EXPECT_GE(answered * 100, asked * 95) << answered << " of " << asked;
}

TEST_F(StatusServerLimits, ForeignHostIsMisdirected) {
  status::StatusLimits limits;
  limits.allowed_hosts = {"gtm.example.com"};
  start(limits);
  auto ask = [&](const std::string& host) {
    Client c(port_, "127.0.0.5");
    c.send("GET /api/v1/status HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    return statusLine(c.readToClose());
  };
  // What a page on a rebound name sends: refused.
  EXPECT_EQ(ask("attacker.example"), "HTTP/1.1 421 Misdirected Request");
  EXPECT_EQ(ask("attacker.example:" + std::to_string(port_)), "HTTP/1.1 421 Misdirected Request");
  for (const std::string& host : std::vector<std::string>{"127.0.0.1", "127.0.0.1:" + std::to_string(port_), "[::1]:8053",
                                                            "localhost", "GTM.example.com:8053"})
    EXPECT_EQ(ask(host), "HTTP/1.1 200 OK") << host;
}

TEST_F(StatusServerLimits, MalformedRequestsGet400) {
  start({});
  const std::string requests[] = {
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a" + std::string(1, '\0') + "b\r\n\r\n",  // a NUL
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n",
      "GET /healthz HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n",
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      "GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n",
      "GET /caf%C3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
  };
  for (size_t i = 0; i < std::size(requests); ++i) {
    Client c(port_, "127.0.0.6");
    c.send(requests[i]);
    EXPECT_EQ(statusLine(c.readToClose()), "HTTP/1.1 400 Bad Request") << "request " << i;
  }
}

}  // namespace
}  // namespace gtm::test
