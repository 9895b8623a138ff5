// The real gtm binary on loopback, asked by real clients: dig, kdig, drill,
// and raw sockets for what those clients cannot send.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

const char* kDns = R"([dns]
listen = ["127.0.0.1:{PORT}", "[::1]:{PORT}"]
threads = 2
tcp_idle_timeout = 1.0
)";

class DnsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gtm_ = GtmProcess::serve(testConfig(kDns)).release(); }
  static void TearDownTestSuite() {
    delete gtm_;
    gtm_ = nullptr;
  }
  static std::string port() { return std::to_string(gtm_->port()); }
  static std::string dig(const std::string& args) {
    return run("dig @127.0.0.1 -p " + port() + " +time=2 +tries=1 " + args).output;
  }
  static std::string kdig(const std::string& args) {
    return run("kdig @127.0.0.1 -p " + port() + " +time=2 +retry=0 " + args).output;
  }
  static void need(const char* tool) {
    if (!haveCommand(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps.sh installs it)";
  }
  static GtmProcess* gtm_;
};
GtmProcess* DnsServerTest::gtm_ = nullptr;

TEST_F(DnsServerTest, DigProfileAnswerFlagsAndTtl) {
  need("dig");
  std::string out = dig("aovpn.vpn.example.com A");
  EXPECT_NE(out.find("status: NOERROR"), std::string::npos) << out;
  EXPECT_NE(out.find("flags: qr aa rd;"), std::string::npos) << out;  // AA, RD copied, no RA
  EXPECT_NE(out.find("aovpn.vpn.example.com.\t30\tIN\tA\t198.51.100.10"), std::string::npos) << out;
  std::string v6 = dig("aovpn.vpn.example.com AAAA +short");
  EXPECT_EQ(v6, "2001:db8:e::10\n");
}

TEST_F(DnsServerTest, DigKeepsTheQueryLetterCase) {
  need("dig");
  std::string out = dig("AoVpN.Vpn.Example.Com A +noall +question +answer");
  EXPECT_NE(out.find(";AoVpN.Vpn.Example.Com.\t\tIN\tA"), std::string::npos) << out;
  EXPECT_NE(out.find("AoVpN.Vpn.Example.Com.\t30\tIN\tA\t198.51.100.10"), std::string::npos) << out;
}

TEST_F(DnsServerTest, DigNegativeAnswers) {
  need("dig");
  std::string nx = dig("missing.vpn.example.com A");
  EXPECT_NE(nx.find("status: NXDOMAIN"), std::string::npos) << nx;
  EXPECT_NE(nx.find("vpn.example.com.\t30\tIN\tSOA"), std::string::npos) << nx;
  std::string nodata = dig("aovpn.vpn.example.com TXT");
  EXPECT_NE(nodata.find("status: NOERROR"), std::string::npos) << nodata;
  EXPECT_NE(nodata.find("ANSWER: 0, AUTHORITY: 1"), std::string::npos) << nodata;
  std::string ent = dig("sub.vpn.example.com A");
  EXPECT_NE(ent.find("status: NOERROR"), std::string::npos) << ent;
  std::string below = dig("a.aovpn.vpn.example.com A");
  EXPECT_NE(below.find("status: NXDOMAIN"), std::string::npos) << below;
  std::string refused = dig("www.example.org A");
  EXPECT_NE(refused.find("status: REFUSED"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("flags: qr aa"), std::string::npos) << refused;
  std::string chaos = dig("version.bind CH TXT");
  EXPECT_NE(chaos.find("status: REFUSED"), std::string::npos) << chaos;
}

TEST_F(DnsServerTest, DigApexNsWithGlue) {
  need("dig");
  std::string out = dig("vpn.example.com NS +norec");
  EXPECT_NE(out.find("ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3"), std::string::npos) << out;  // 2 glue + OPT
  EXPECT_NE(out.find("ns1.vpn.example.com.\t3600\tIN\tA\t192.0.2.53"), std::string::npos) << out;
  std::string soa = dig("vpn.example.com SOA +short");
  EXPECT_EQ(soa, "ns1.vpn.example.com. hostmaster.example.com. 2024010101 3600 600 1209600 30\n");
}

TEST_F(DnsServerTest, DigTruncationAndTcpRetry) {
  need("dig");
  std::string udp = dig("big.vpn.example.com TXT +noedns +ignore");
  EXPECT_NE(udp.find("flags: qr aa tc rd;"), std::string::npos) << udp;
  // dig retries over TCP by itself and gets the whole answer.
  std::string retried = dig("big.vpn.example.com TXT +noedns");
  EXPECT_NE(retried.find("ANSWER: 1"), std::string::npos) << retried;
  std::string tcp = dig("big.vpn.example.com TXT +tcp");
  EXPECT_NE(tcp.find("ANSWER: 1"), std::string::npos) << tcp;
}

TEST_F(DnsServerTest, DigAnyIsSmall) {
  need("dig");
  std::string out = dig("vpn.example.com ANY");
  EXPECT_NE(out.find("ANSWER: 1,"), std::string::npos) << out;
}

TEST_F(DnsServerTest, KdigCookieSubnetAndIpv6) {
  need("kdig");
  std::string out = kdig("+cookie aovpn.vpn.example.com A");
  // kdig prints the whole option: 8 bytes of client and 16 of server cookie.
  EXPECT_TRUE(std::regex_search(out, std::regex(";; COOKIE: [0-9A-F]{16}01000000[0-9A-F]{24}\n"))) << out;
  std::string ecs = kdig("+subnet=203.0.113.0/24 aovpn.vpn.example.com A");
  EXPECT_NE(ecs.find("CLIENT-SUBNET: 203.0.113.0/24/0"), std::string::npos) << ecs;
  std::string v6 = run("kdig @::1 -p " + port() + " +time=2 +retry=0 +short aovpn.vpn.example.com A").output;
  EXPECT_EQ(v6, "198.51.100.10\n");
  std::string tcp = kdig("+tcp +short www.vpn.example.com A");
  EXPECT_EQ(tcp, "aovpn.vpn.example.com.\n198.51.100.10\n");
}

TEST_F(DnsServerTest, KdigBadVersion) {
  need("kdig");
  std::string out = kdig("+edns=1 +noidn aovpn.vpn.example.com A");
  EXPECT_NE(out.find("BADVERS"), std::string::npos) << out;
}

TEST_F(DnsServerTest, DrillAnswers) {
  need("drill");
  std::string out = run("drill -p " + port() + " @127.0.0.1 aovpn.vpn.example.com A").output;
  EXPECT_NE(out.find("rcode: NOERROR"), std::string::npos) << out;
  EXPECT_NE(out.find("flags: qr aa rd"), std::string::npos) << out;
  EXPECT_NE(out.find("198.51.100.10"), std::string::npos) << out;
  std::string nx = run("drill -p " + port() + " @127.0.0.1 nope.vpn.example.com A").output;
  EXPECT_NE(nx.find("rcode: NXDOMAIN"), std::string::npos) << nx;
  std::string tcp = run("drill -t -p " + port() + " @127.0.0.1 vpn.example.com MX").output;
  EXPECT_NE(tcp.find("10 mail.vpn.example.com."), std::string::npos) << tcp;
}

TEST_F(DnsServerTest, RawMalformedQueries) {
  QuerySpec two;
  two.qdcount_override = 2;
  auto p = decode(udpExchange("127.0.0.1", gtm_->port(), buildQuery(two)));
  ASSERT_TRUE(p);
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_FORMERR);
  QuerySpec response;
  response.flags = 0x8000;
  EXPECT_TRUE(udpExchange("127.0.0.1", gtm_->port(), buildQuery(response), 300).empty());
  EXPECT_TRUE(udpExchange("127.0.0.1", gtm_->port(), {1, 2, 3}, 300).empty());
  QuerySpec status;
  status.flags = 2 << 11;
  auto s = decode(udpExchange("127.0.0.1", gtm_->port(), buildQuery(status)));
  ASSERT_TRUE(s);
  EXPECT_EQ(ldns_pkt_get_rcode(s.get()), LDNS_RCODE_NOTIMPL);
}

// A TCP connection to the server under test.
std::vector<uint8_t> framed(const std::vector<uint8_t>& q) {
  std::vector<uint8_t> out(q.size() + 2);
  out[0] = static_cast<uint8_t>(q.size() >> 8);
  out[1] = static_cast<uint8_t>(q.size());
  std::copy(q.begin(), q.end(), out.begin() + 2);
  return out;
}

class TcpClient {
 public:
  // From `source` (a loopback address) to 127.0.0.1; a small receive
  // buffer makes a slow reader.
  explicit TcpClient(uint16_t port, const char* source = "127.0.0.1", int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~TcpClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::vector<uint8_t>& bytes) { ASSERT_EQ(::write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
  // Sends what the socket takes without blocking; false once the peer is gone.
  bool trySend(const std::vector<uint8_t>& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 || errno == EAGAIN;
  }
  // A query answered on this connection within timeout_ms.
  bool answers(int timeout_ms = 2000) {
    send(framed(buildQuery(QuerySpec{})));
    auto p = decode(readMessage(timeout_ms));
    return p && ldns_pkt_ancount(p.get()) == 1;
  }
  // Reads exactly n bytes; false on close or after timeout_ms.
  bool read(uint8_t* out, size_t n, int timeout_ms) {
    size_t got = 0;
    while (got < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) != 1) return false;
      ssize_t r = ::read(fd_, out + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
  std::vector<uint8_t> readMessage(int timeout_ms = 2000) {
    uint8_t len[2];
    if (!read(len, 2, timeout_ms)) return {};
    std::vector<uint8_t> msg((len[0] << 8) | len[1]);
    if (!read(msg.data(), msg.size(), timeout_ms)) return {};
    return msg;
  }
  // True when the server closed the connection within timeout_ms.
  bool closedWithin(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    uint8_t b;
    return ::read(fd_, &b, 1) <= 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};


TEST_F(DnsServerTest, TcpPipelinedQueriesAllAnswered) {
  TcpClient c(gtm_->port());
  ASSERT_TRUE(c.connected());
  std::vector<uint8_t> batch;
  const char* names[] = {"aovpn.vpn.example.com.", "www.vpn.example.com.", "missing.vpn.example.com."};
  for (uint16_t i = 0; i < 3; ++i) {
    QuerySpec q;
    q.id = static_cast<uint16_t>(100 + i);
    q.name = names[i];
    auto f = framed(buildQuery(q));
    batch.insert(batch.end(), f.begin(), f.end());
  }
  c.send(batch);  // all three in one segment
  for (uint16_t i = 0; i < 3; ++i) {
    auto p = decode(c.readMessage());
    ASSERT_TRUE(p) << "answer " << i;
    EXPECT_EQ(ldns_pkt_id(p.get()), 100 + i);
  }
}

TEST_F(DnsServerTest, TcpIdleConnectionIsClosed) {
  TcpClient idle(gtm_->port());
  ASSERT_TRUE(idle.connected());
  // tcp_idle_timeout = 1.0: closed after about a second, well before 3.
  EXPECT_TRUE(idle.closedWithin(3000));
  // A client trickling a query byte by byte cannot hold the slot either.
  TcpClient slow(gtm_->port());
  auto q = framed(buildQuery(QuerySpec{}));
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (size_t i = 0; i < q.size() && !closed; ++i) {
    slow.send({q[i]});
    closed = slow.closedWithin(400);
  }
  EXPECT_TRUE(closed || slow.closedWithin(2000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(DnsServerLimits, IdleTcpClientsCannotStarveUdp) {
  auto gtm = GtmProcess::serve(testConfig(R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1
tcp_max_connections = 2
tcp_idle_timeout = 5.0
)"));
  TcpClient a(gtm->port()), b(gtm->port());
  ASSERT_TRUE(a.connected() && b.connected());
  // Both slots taken: the next connection is closed at once.
  TcpClient c(gtm->port());
  EXPECT_TRUE(c.closedWithin(1000));
  // UDP keeps answering meanwhile.
  for (int i = 0; i < 20; ++i) {
    auto p = decode(udpExchange("127.0.0.1", gtm->port(), buildQuery(QuerySpec{})));
    ASSERT_TRUE(p) << "query " << i;
    EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
  }
  // A held connection still answers.
  a.send(framed(buildQuery(QuerySpec{})));
  EXPECT_TRUE(decode(a.readMessage()));
}

// [dns] tcp_max_connections_per_client, and the idle timeout as the bound on
// how long a client that trickles bytes in, or never reads, keeps its slot.
// Memory follows what is in flight: 1,024 idle TCP connections cost under
// 16 MiB (they cost 128 KiB each when every connection held two 64 KiB
// buffers from its start).
TEST(DnsServerLimits, IdleTcpConnectionsCostLittleMemory) {
  auto gtm = GtmProcess::serve(testConfig(R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 2
tcp_max_connections = 2000
tcp_max_connections_per_client = 2000
tcp_idle_timeout = 30
)"));
  auto rss = [&] {
    std::ifstream status("/proc/" + std::to_string(gtm->pid()) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0L;
  };
  ASSERT_TRUE(TcpClient(gtm->port(), "127.0.0.5").answers());  // each thread's first use is behind us
  long before = rss();
  std::vector<std::unique_ptr<TcpClient>> idle;
  for (int i = 0; i < 1024; ++i) {
    idle.push_back(std::make_unique<TcpClient>(gtm->port(), "127.0.0.6"));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  // Every one accepted, and an answer still comes.
  ASSERT_TRUE(TcpClient(gtm->port(), "127.0.0.5").answers());
  long with_idle = rss();
  EXPECT_LT(with_idle - before, 16 * 1024) << "KiB for 1,024 idle connections";
  std::cout << "RSS " << before << " KiB, with 1,024 idle TCP connections " << with_idle << " KiB\n";
}

TEST(DnsServerLimits, TcpConnectionsPerClientAndSlowClients) {
  auto gtm = GtmProcess::serve(testConfig(R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 2
tcp_idle_timeout = 1.0
tcp_max_connections_per_client = 2
)"));
  TcpClient a(gtm->port(), "127.0.0.2"), b(gtm->port(), "127.0.0.2");
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(a.answers() && b.answers());
  TcpClient third(gtm->port(), "127.0.0.2");
  EXPECT_TRUE(third.closedWithin(1000)) << "a third connection from the same client";
  TcpClient other(gtm->port(), "127.0.0.3");
  EXPECT_TRUE(other.answers()) << "another client is not affected";

  // A slow writer (one byte every 200 ms, never a whole query) and a slow
  // reader (thousands of pipelined queries, nothing read, a 4 KiB receive
  // buffer) take both of 127.0.0.4's slots; the idle timeout frees them.
  TcpClient writer(gtm->port(), "127.0.0.4");
  TcpClient reader(gtm->port(), "127.0.0.4", 4096);
  ASSERT_TRUE(writer.connected() && reader.connected());
  std::vector<uint8_t> pipeline;
  for (int i = 0; i < 4000; ++i) {
    auto q = framed(buildQuery(QuerySpec{}));
    pipeline.insert(pipeline.end(), q.begin(), q.end());
  }
  EXPECT_TRUE(reader.trySend(pipeline));
  TcpClient refused(gtm->port(), "127.0.0.4");
  EXPECT_TRUE(refused.closedWithin(1000)) << "both slots are held";
  auto query = framed(buildQuery(QuerySpec{}));
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500); ++i) {
    writer.trySend({query[i % 10]});  // 10 bytes of a 40-byte query, over and over
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  TcpClient after(gtm->port(), "127.0.0.4");
  EXPECT_TRUE(after.answers()) << "the slow clients still hold the slots after 2.5 idle timeouts";
}

// [dns.rrl]: a flood from one /24 is held to the rate (dropped, every 2nd
// limited response sent truncated), while another /24 is answered in full.
TEST(DnsServerLimits, ResponseRateLimitingIsPerClientPrefix) {
  auto gtm = GtmProcess::serve(testConfig(R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 2
[dns.rrl]
responses_per_second = 10
slip = 2
exempt = []
)"));
  // The flooder: 300 queries from 127.0.0.2 as fast as they go.
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in from{}, to{};
  from.sin_family = to.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.2", &from.sin_addr);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(gtm->port());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
  int buffer = 1 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  auto query = buildQuery(QuerySpec{});
  for (int i = 0; i < 300; ++i)
    ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  // Meanwhile a client of another prefix asks 10 times: every answer comes.
  for (int i = 0; i < 10; ++i) {
    auto p = decode(udpExchange("127.0.0.1", gtm->port(), query, 1000, "127.0.1.1"));
    ASSERT_TRUE(p) << "query " << i << " from 127.0.1.1";
    EXPECT_FALSE(ldns_pkt_tc(p.get()));
    EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
  }
  unsigned answered = 0, truncated = 0;
  std::vector<uint8_t> in(4096);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 500) != 1) break;
    ssize_t n = ::recv(fd, in.data(), in.size(), 0);
    if (n <= 0) break;
    auto pkt = decode({in.begin(), in.begin() + n});
    if (!pkt) continue;
    (ldns_pkt_tc(pkt.get()) ? truncated : answered) += 1;
  }
  ::close(fd);
  // 10 in the burst, perhaps one or two more as the flood takes time to send.
  EXPECT_GE(answered, 10u);
  EXPECT_LE(answered, 14u);
  EXPECT_NEAR(static_cast<double>(truncated), (300.0 - answered) / 2, 2.0);
}

TEST(DnsServerReload, SighupSwapsConfigAndKeepsServingOnABrokenFile) {
  std::string base = testConfig(R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1
)");
  auto gtm = GtmProcess::serve(base);
  auto answer = [&] {
    auto p = decode(udpExchange("127.0.0.1", gtm->port(), buildQuery(QuerySpec{})));
    auto s = p ? section(p.get(), LDNS_SECTION_ANSWER) : std::vector<std::string>{};
    return s.empty() ? std::string() : s[0];
  };
  ASSERT_EQ(answer(), "aovpn.vpn.example.com. 30 IN A 198.51.100.10");
  // East disabled: west answers.
  std::string text = base;
  text.replace(text.find("priority = 1"), 12, "priority = 1\n  enabled = false");
  text.replace(text.find("{PORT}"), 6, std::to_string(gtm->port()));
  writeFile(gtm->configPath().substr(0, gtm->configPath().rfind('/')), "gtm.toml", text);
  ::kill(gtm->pid(), SIGHUP);
  std::string now;
  for (int i = 0; i < 50 && (now = answer()) != "aovpn.vpn.example.com. 30 IN A 203.0.113.10"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(now, "aovpn.vpn.example.com. 30 IN A 203.0.113.10");
  // A broken file changes nothing and is reported with its location.
  writeFile(gtm->configPath().substr(0, gtm->configPath().rfind('/')), "gtm.toml", text + "\n[dns\n");
  ::kill(gtm->pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(answer(), "aovpn.vpn.example.com. 30 IN A 203.0.113.10");
  EXPECT_NE(gtm->log().find("reload failed"), std::string::npos) << gtm->log();
  EXPECT_NE(gtm->log().find("gtm.toml:"), std::string::npos) << gtm->log();
}

}  // namespace
}  // namespace gtm::test
