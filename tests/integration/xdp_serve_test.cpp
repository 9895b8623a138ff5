// gtm serve's AF_XDP mode end to end (root only: it builds two network
// namespaces joined by a veth pair and attaches an XDP program):
//
//   client 198.18.30.2, 2001:db8:30::2 --veth-- server 198.18.30.1, 2001:db8:30::1
//
// Queries arriving on the veth are answered from AF_XDP without passing the
// kernel's UDP stack (its UdpInDatagrams counter stands still); everything
// else (TCP, other ports, queries arriving on another interface) still goes
// to the kernel, and the program leaves with the process.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/charon.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

struct XdpLab {
  NetNamespace client, server;
  std::string dir = makeTempDir();
  std::unique_ptr<ChildProcess> gtm;

  static void sh(const std::string& cmd) {
    auto r = run(cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  }
  void build() {
    sh("ip link add gtmxc netns " + client.name() + " type veth peer name gtmxs netns " + server.name());
    sh(client.exec() + "ip addr add 198.18.30.2/24 dev gtmxc");
    sh(client.exec() + "ip addr add 2001:db8:30::2/64 dev gtmxc nodad");
    sh(server.exec() + "ip addr add 198.18.30.1/24 dev gtmxs");
    sh(server.exec() + "ip addr add 2001:db8:30::1/64 dev gtmxs nodad");
    sh(client.exec() + "ip link set gtmxc up");
    sh(server.exec() + "ip link set gtmxs up");
  }
  // gtm serve in the server's namespace, AF_XDP on its veth, on these listen
  // addresses (TOML array items); rate limiting off for the floods of dig.
  void start(const std::string& listen) {
    std::string path = writeFile(dir, "gtm.toml", testConfig("[dns]\nlisten = [" + listen + R"(]
threads = 2
xdp_interface = "gtmxs"
[dns.rrl]
enabled = false
)"));
    gtm = ChildProcess::start({"ip", "netns", "exec", server.name(), kGtm, "serve", "--config", path}, "msg=serving");
    ASSERT_TRUE(gtm) << "gtm serve did not start";
  }
  std::string dig(const NetNamespace& from, const std::string& args) const {
    return run(from.exec() + "dig +time=2 +tries=1 " + args).output;
  }
  // The kernel's count of UDP datagrams delivered to sockets in the server's namespace.
  long udpInDatagrams() const {
    std::istringstream in(run(server.exec() + "cat /proc/net/snmp").output);
    std::string line, header;
    while (std::getline(in, line)) {
      if (!line.starts_with("Udp: ")) continue;
      if (header.empty()) {
        header = line;
        continue;
      }
      std::istringstream names(header), values(line);
      std::string name, value;
      while (names >> name && values >> value)
        if (name == "InDatagrams") return std::stol(value);
    }
    return -1;
  }
};

TEST(XdpServe, AnswersOverAfXdpAndLeavesTheRestToTheKernel) {
  if (auto why = NetNamespace::cannotCreate(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("dig")) GTEST_SKIP() << "dig is not installed (scripts/install-deps.sh test installs it)";
  XdpLab lab;
  lab.build();
  lab.start(R"("198.18.30.1:53", "[2001:db8:30::1]:53")");
  std::string link = run(lab.server.exec() + "ip link show gtmxs").output;
  EXPECT_NE(link.find("gtm_dns_redirec"), std::string::npos) << link;

  long before = lab.udpInDatagrams();
  std::string a = lab.dig(lab.client, "@198.18.30.1 aovpn.vpn.example.com A");
  EXPECT_NE(a.find("flags: qr aa rd;"), std::string::npos) << a;
  EXPECT_NE(a.find("aovpn.vpn.example.com.\t30\tIN\tA\t198.51.100.10"), std::string::npos) << a;
  EXPECT_NE(a.find("COOKIE:"), std::string::npos) << a;  // EDNS and cookies as on the socket path
  EXPECT_EQ(lab.dig(lab.client, "@2001:db8:30::1 aovpn.vpn.example.com AAAA +short"), "2001:db8:e::10\n");
  std::string nx = lab.dig(lab.client, "@198.18.30.1 nothing.vpn.example.com A");
  EXPECT_NE(nx.find("status: NXDOMAIN"), std::string::npos) << nx;
  // A large answer, and one truncated for a client without EDNS.
  std::string big = lab.dig(lab.client, "@2001:db8:30::1 big.vpn.example.com TXT +ignore");
  EXPECT_NE(big.find("ccccccccc"), std::string::npos) << big;
  std::string tc = lab.dig(lab.client, "@198.18.30.1 big.vpn.example.com TXT +noedns +ignore");
  EXPECT_NE(tc.find(" tc"), std::string::npos) << tc;
  for (int i = 0; i < 40; ++i) lab.dig(lab.client, "@198.18.30.1 aovpn.vpn.example.com A +short");
  long after = lab.udpInDatagrams();
  EXPECT_LT(after - before, 5) << "the queries went through the kernel's UDP sockets, not AF_XDP";

  // TCP and queries from inside the namespace (over lo) take the kernel's path.
  EXPECT_EQ(lab.dig(lab.client, "@198.18.30.1 aovpn.vpn.example.com A +tcp +short"), "198.51.100.10\n");
  before = lab.udpInDatagrams();
  EXPECT_EQ(lab.dig(lab.server, "@198.18.30.1 aovpn.vpn.example.com A +short"), "198.51.100.10\n");
  EXPECT_GE(lab.udpInDatagrams() - before, 1);
  // Another UDP port on the same address is not ours: the kernel refuses it.
  std::string other = lab.dig(lab.client, "@198.18.30.1 -p 5300 aovpn.vpn.example.com A");
  EXPECT_NE(other.find("refused"), std::string::npos) << other;

  lab.gtm->stop();
  link = run(lab.server.exec() + "ip link show gtmxs").output;
  EXPECT_EQ(link.find("xdp"), std::string::npos) << "the program outlived gtm serve:\n" << link;
}

// A wildcard listen address takes its own family only, as its socket would.
TEST(XdpServe, WildcardListenAddressKeepsToItsFamily) {
  if (auto why = NetNamespace::cannotCreate(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("dig")) GTEST_SKIP() << "dig is not installed (scripts/install-deps.sh test installs it)";
  XdpLab lab;
  lab.build();
  lab.start(R"("0.0.0.0:53")");
  long before = lab.udpInDatagrams();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(lab.dig(lab.client, "@198.18.30.1 aovpn.vpn.example.com A +short"), "198.51.100.10\n");
  EXPECT_LT(lab.udpInDatagrams() - before, 5) << "IPv4 queries took the kernel's path";
  std::string v6 = lab.dig(lab.client, "@2001:db8:30::1 aovpn.vpn.example.com AAAA");
  EXPECT_NE(v6.find("refused"), std::string::npos) << "no IPv6 listen address, yet:\n" << v6;
}

TEST(XdpServe, RefusesToStartOnAMissingInterface) {
  if (auto why = NetNamespace::cannotCreate(); !why.empty()) GTEST_SKIP() << why;
  NetNamespace ns;
  std::string dir = makeTempDir();
  std::string path = writeFile(dir, "gtm.toml", testConfig(R"([dns]
listen = ["127.0.0.1:53"]
xdp_interface = "nosuch0"
)"));
  auto r = run(ns.exec() + kGtm + " serve --config " + path, 10);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("xdp_interface: no interface named 'nosuch0'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gtm::test
