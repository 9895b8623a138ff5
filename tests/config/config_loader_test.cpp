// The schema: types, ranges, required and unknown keys, each reported as
// file:line:column.
#include "config/config_loader.hpp"
#include "config/toml_bounds.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace gtm::test {
namespace {

std::string errorsOf(const std::string& text) { return config::loadString(text, "c.toml").diagnostics.format(); }

TEST(ConfigLoader, ExampleFileLoads) {
  auto r = config::loadFile(std::string(GTM_SOURCE_DIR) + "/conf/example.toml");
  ASSERT_TRUE(r.ok()) << r.diagnostics.format();
  ASSERT_EQ(r.config.dns.listen.size(), 2u);
  EXPECT_EQ(r.config.dns.listen[0].toString(), "127.0.0.1:5353");
  EXPECT_EQ(r.config.dns.listen[1].toString(), "[::1]:5353");
  ASSERT_EQ(r.config.profiles.size(), 1u);
  EXPECT_EQ(r.config.profiles[0].endpoints[0].targets.size(), 2u);
  EXPECT_EQ(r.config.profiles[0].endpoints[1].priority, 2u);
}

TEST(ConfigLoader, ErrorsCarryFileLineColumn) {
  struct Case {
    std::string text;
    std::string expect;
  } cases[] = {
      {"[dns]\nthreads = \"two\"\n", "c.toml:2:11: [dns] threads: expected an integer, got a string"},
      {"[[profile]]\nname = \"a/b\"\nfqdn = \"p.a.\"\n[[profile.endpoint]]\nname = \"e\"\ntarget = \"192.0.2.1\"\n",
       "c.toml:2:8: [[profile]] name: \"a/b\" must be 1 to 63 letters, digits, '.', '_' or '-'"},
      // A name that would break the nftables ruleset's comment.
      {"[[service]]\nname = \"s\\\";x\"\nvip = \"192.0.2.1\"\nprotocol = \"udp\"\nports = [500]\n",
       "c.toml:2:8: [[service]] name: \"s\";x\" must be 1 to 63 letters, digits, '.', '_' or '-'"},
      {"[dns]\nthreads = 9999\n", "c.toml:2:11: [dns] threads: 9999 is out of range (0 to 256)"},
      {"[dns]\nlisten = [\"127.0.0.1:99999\"]\n", "c.toml:2:10: [dns] listen: \"99999\" is not a port number"},
      {"[dns]\nlisten = [\"localhost:53\"]\n", "is not an IPv4 or IPv6 address"},
      {"[dns]\nlistne = []\n", "c.toml:2:10: [dns]: unknown key 'listne'"},
      {"[[zone]]\norigin = \"a.\"\n", "c.toml:1:1: [[zone]]: missing required key 'ns'"},
      {"[[zone]]\norigin = \"a.\"\nns = [\"ns.a.\"]\nsoa = { mname = \"ns.a.\" }\n",
       "c.toml:4:7: [[zone]] soa: missing required key 'rname'"},
      {"[dns\n", "c.toml:1:5:"},
      {"", "the config needs at least one [[zone]]"},
      {"[[profile]]\nname = \"p\"\nfqdn = \"p.a.\"\nrouting = \"fastest\"\n[[profile.endpoint]]\nname = "
       "\"e\"\ntarget = \"192.0.2.1\"\n",
       "c.toml:4:11: [[profile]] routing: \"fastest\" is not one of priority, weighted, multivalue, subnet, "
       "geographic, performance"},
      {"[[profile]]\nname = \"p\"\nfqdn = \"p.a.\"\n[[profile.endpoint]]\nname = \"e\"\ntarget = \"192.0.2.1\"\n"
       "priority = 0\n",
       "c.toml:7:12: [[profile.endpoint]] priority: 0 is out of range (1 to 1000)"},
      {"[[profile]]\nname = \"p\"\nfqdn = \"p.a.\"\n[[profile.endpoint]]\nname = \"e\"\ntarget = [\"192.0.2.1\", "
       "\"vpn.example.com\"]\n",
       "\"vpn.example.com\" is not an IPv4 or IPv6 address"},
      {"[dns.rrl]\nslip = 11\n", "c.toml:2:8: [dns.rrl] slip: 11 is out of range (0 to 10)"},
      {"[dns.rrl]\nexempt = [\"10.0.0.0/33\"]\n", "[dns.rrl] exempt: \"10.0.0.0/33\" is not a subnet"},
      {"[dns.rrl]\nrate = 5\n", "[dns.rrl]: unknown key 'rate'"},
      {"[dns]\nxdp_interface = \"a-very-long-name0\"\n",
       "c.toml:2:17: [dns] xdp_interface: an interface name has at most 15 characters"},
      {"[[service]]\nname = \"s\"\nvip = \"192.0.2.1\"\nprotocol = \"udp\"\nports = [500]\nreal = [1]\n",
       "c.toml:6:9: [[service]] real: expected a table"},
      {"[[monitor]]\nname = \"m\"\nprotocol = \"sstp\"\nverify_tls = true\n",
       "c.toml:4:14: [[monitor]] verify_tls: needs host = the name the site's certificate must carry"},
      {"[[monitor]]\nname = \"m\"\nprotocol = \"https\"\nhost = \"a b\"\n",
       "c.toml:4:8: [[monitor]] host: must be a host name without spaces or line breaks"},
      {"[[monitor]]\nname = \"m\"\nprotocol = \"ikev2\"\nike_expect = \"full\"\n",
       "c.toml:4:14: [[monitor]] ike_expect: \"full\" is not one of alive, sa"},
      {"[[profile]]\nname = \"p\"\nfqdn = \"p.a.\"\n[[profile.endpoint]]\nname = \"e\"\ntarget = \"192.0.2.1\"\n"
       "depends_on = [{ monitor = \"nps\", targets = [\"192.0.2.20\"], min_online = 2 }]\n",
       "c.toml:7:73: depends_on min_online: is more than the 1 targets"},
      {"[[profile]]\nname = \"p\"\nfqdn = \"p.a.\"\n[[profile.endpoint]]\nname = \"e\"\ntarget = \"192.0.2.1\"\n"
       "depends_on = [\"nps\"]\n",
       "c.toml:7:15: depends_on: each is a table { monitor, targets, min_online }"},
      {"[[monitor]]\nname = \"nps\"\nprotocol = \"radius\"\n",
       "c.toml:1:1: [[monitor]]: missing required key 'secret_file'"},
      {"[[monitor]]\nname = \"nps\"\nprotocol = \"radius\"\nsecret_file = \"/nonexistent\"\n",
       "c.toml:4:15: [[monitor]] secret_file: "},
      {"[[monitor]]\nname = \"nps\"\nprotocol = \"radius\"\nsecret_file = \"/etc/hostname\"\n",
       "c.toml:1:1: [[monitor]]: missing required key 'username'"},
      {"[[monitor]]\nname = \"nps\"\nprotocol = \"radius\"\nsecret_file = \"/etc/hostname\"\nradius_mode = "
       "\"status-server\"\nradius_expect = \"maybe\"\n",
       "c.toml:6:17: [[monitor]] radius_expect: \"maybe\" is not one of accept, answer"},
      {"[[monitor]]\nname = \"m\"\nprotocol = \"ikev2\"\nsecret_file = \"/etc/hostname\"\n",
       "c.toml:4:15: [[monitor]] secret_file: applies only to radius monitors"},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\n",
       "c.toml:3:12: [[monitor]] protocol: gtm-lb monitors need url = \"http://BALANCER:PORT/api/v1/status\", or "
       "port = the status server's port to read at each target"},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nurl = \"http://lb.example.com:9100/\"\n",
       "c.toml:4:7: [[monitor]] url: names the balancer by its address (an IP literal), not \"lb.example.com\""},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nurl = \"http://198.18.1.5/\"\n",
       "c.toml:4:7: [[monitor]] url: needs the status server's port"},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nurl = \"http://198.18.1.5:9100/\"\nport = 9100\n",
       "c.toml:5:8: [[monitor]] port: is given by url"},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nport = 9100\nverify_tls = true\nhost = \"lb\"\n",
       "c.toml:5:14: [[monitor]] verify_tls: applies to gtm-lb monitors with an https:// url only"},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nport = 9100\nservice = \"a\"\nservices = [\"b\"]\n",
       "c.toml:5:11: [[monitor]] service: give service or services, not both"},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nport = 9100\ntoken_file = \"/dev/null\"\n",
       "[[monitor]] token_file: is sent only over https://"},
      {"[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nport = 9100\nmin_reals = 0\n",
       "c.toml:5:13: [[monitor]] min_reals: 0 is out of range (1 to 1000)"},
      {"[[monitor]]\nname = \"m\"\nprotocol = \"sstp\"\nike_require_fragmentation = true\n",
       "c.toml:4:29: [[monitor]] ike_require_fragmentation: applies only to ikev2 monitors"},
      {"[[monitor]]\nname = \"m\"\nprotocol = \"sstp\"\nmin_reals = 2\n",
       "c.toml:4:13: [[monitor]] min_reals: applies only to gtm-lb monitors"},
      {"[cluster]\netcd = [\"grpc://198.18.50.11:2379\"]\n",
       "c.toml:2:8: [cluster] etcd: \"grpc://198.18.50.11:2379\" is not an http:// or https:// URL"},
      {"[cluster]\netcd = [\"http://198.18.50.11:2379\"]\nca_file = \"/etc/hostname\"\n",
       "c.toml:3:11: [cluster] ca_file: is for https:// etcd endpoints, and every one is http://"},
      {"[cluster]\netcd = [\"https://198.18.50.11:2379\"]\nca_file = \"/etc/hostname\"\n",
       "c.toml:3:11: [cluster] ca_file: \"/etc/hostname\" holds no PEM certificate"},
      {"[cluster]\netcd = [\"https://198.18.50.11:2379\"]\ncert_file = \"/nonexistent.pem\"\n",
       "c.toml:3:13: [cluster] cert_file: "},
      {"[cluster]\netcd = [\"https://198.18.50.11:2379\"]\nkey_file = \"/etc/hostname\"\n",
       "[cluster] key_file: \"/etc/hostname\" holds no PEM private key"},
      {"[cluster]\netcd = [\"https://198.18.50.11:2379\"]\nkey_file = \"/etc/hostname\"\n",
       "[cluster] key_file: cert_file and key_file come together"},
      {"[cluster]\netcd = [\"http://198.18.50.11:2379\"]\npassword_file = \"/etc/hostname\"\n",
       "c.toml:3:17: [cluster] password_file: needs username"},
      {"[cluster]\netcd = [\"http://198.18.50.11:2379\"]\nusername = \"gtm\"\n",
       "c.toml:1:1: [cluster]: missing required key 'password_file'"},
  };
  for (const Case& c : cases) {
    std::string errors = errorsOf(c.text);
    EXPECT_NE(errors.find(c.expect), std::string::npos) << "expected: " << c.expect << "\ngot: " << errors;
  }
}

TEST(ConfigLoader, GtmLbMonitors) {
  auto loaded = config::loadString(
      "[[monitor]]\nname = \"site-lb\"\nprotocol = \"gtm-lb\"\nurl = \"https://[2001:db8::5]:9100/api/v1/status\"\n"
      "services = [\"ikev2\", \"sstp\"]\nmin_reals = 2\n"
      "[[monitor]]\nname = \"vip-lb\"\nprotocol = \"gtm-lb\"\nport = 8053\n",
      "c.toml");
  ASSERT_EQ(loaded.config.monitors.size(), 2u) << loaded.diagnostics.format();
  const config::Monitor& a = loaded.config.monitors[0];
  EXPECT_EQ(a.protocol, config::Monitor::Protocol::gtm_lb);
  ASSERT_TRUE(a.url_address);
  EXPECT_EQ(a.url_address->toString(), "2001:db8::5");
  EXPECT_TRUE(a.url_tls);
  EXPECT_EQ(a.port, 9100);
  EXPECT_EQ(a.path, "/api/v1/status");
  EXPECT_EQ(a.lb_services, (std::vector<std::string>{"ikev2", "sstp"}));
  EXPECT_EQ(a.min_reals, 2u);
  const config::Monitor& b = loaded.config.monitors[1];
  EXPECT_FALSE(b.url_address);
  EXPECT_EQ(b.port, 8053);
  EXPECT_EQ(b.path, "/api/v1/status");
  EXPECT_TRUE(b.lb_services.empty());
  EXPECT_EQ(b.min_reals, 1u);
}

TEST(ConfigLoader, CrlMonitors) {
  char dir[] = "/tmp/gtm-crl-config-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  std::string ca = std::string(dir) + "/ca.pem";
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  auto loaded = config::loadString("[[monitor]]\nname = \"clientca\"\nprotocol = \"crl\"\nurl = "
                                   "\"http://pki.example.com/pki/clientca.crl\"\nca_file = \"" + ca +
                                   "\"\nwarn_crl_hours = 48\n",
                                   "c.toml");
  ASSERT_EQ(loaded.config.monitors.size(), 1u) << loaded.diagnostics.format();
  const config::Monitor& m = loaded.config.monitors[0];
  EXPECT_EQ(m.protocol, config::Monitor::Protocol::crl);
  EXPECT_FALSE(m.url_address) << "a name: fetched from each target";
  EXPECT_EQ(m.host, "pki.example.com");
  EXPECT_EQ(m.port, 80);
  EXPECT_EQ(m.path, "/pki/clientca.crl");
  EXPECT_EQ(m.warn_crl_hours, 48u);
  const std::string head = "[[monitor]]\nname = \"clientca\"\nprotocol = \"crl\"\n";
  const std::string with_ca = "ca_file = \"" + ca + "\"\n";
  EXPECT_NE(errorsOf(head + "url = \"ldap:///CN=clientca,CN=CDP\"\n" + with_ca).find("LDAP distribution points are not checked"),
            std::string::npos);
  EXPECT_NE(errorsOf(head + "url = \"https://pki.example.com/a.crl\"\n" + with_ca).find("plain http://"), std::string::npos);
  EXPECT_NE(errorsOf(head + "url = \"http://pki.example.com/a.crl\"\n").find("ca_file: is required"), std::string::npos);
  EXPECT_NE(errorsOf(head + with_ca).find("url"), std::string::npos);
  EXPECT_NE(errorsOf(head + "url = \"http://pki.example.com/a.crl\"\nport = 81\n" + with_ca).find("port: is given by url"),
            std::string::npos);
  EXPECT_NE(errorsOf("[[monitor]]\nname = \"w\"\nprotocol = \"https\"\nwarn_crl_hours = 5\n").find("applies only to crl"),
            std::string::npos);
}

TEST(ConfigLoader, RevocationChecks) {
  const std::string head = "[[monitor]]\nname = \"sstp\"\nprotocol = \"sstp\"\nhost = \"vpn.example.com\"\n";
  auto loaded = config::loadString(head + "verify_tls = true\ncheck_revocation = true\nrevocation_failure = \"degraded\"\n"
                                          "crl_refresh = 60\nwarn_crl_hours = 12\n", "c.toml");
  ASSERT_EQ(loaded.config.monitors.size(), 1u) << loaded.diagnostics.format();
  const config::Monitor& m = loaded.config.monitors[0];
  EXPECT_TRUE(m.check_revocation);
  EXPECT_EQ(m.revocation_failure, config::Monitor::RevocationFailure::degraded);
  EXPECT_EQ(m.crl_refresh, 60);
  EXPECT_EQ(m.warn_crl_hours, 12u);
  auto defaults = config::loadString(head + "verify_tls = true\ncheck_revocation = true\n", "c.toml").config.monitors;
  ASSERT_EQ(defaults.size(), 1u);
  EXPECT_EQ(defaults[0].revocation_failure, config::Monitor::RevocationFailure::warn);
  EXPECT_EQ(defaults[0].crl_refresh, 300);
  EXPECT_EQ(defaults[0].warn_crl_hours, 24u);
  EXPECT_NE(errorsOf(head + "check_revocation = true\n").find("needs verify_tls = true"), std::string::npos);
  EXPECT_NE(errorsOf(head + "verify_tls = true\nrevocation_failure = \"warn\"\n").find("only with check_revocation"),
            std::string::npos);
  EXPECT_NE(errorsOf(head + "verify_tls = true\ncheck_revocation = true\nrevocation_failure = \"fail\"\n")
                .find("revocation_failure"), std::string::npos);
  EXPECT_NE(errorsOf(head + "verify_tls = true\ncheck_revocation = true\ncrl_refresh = 0.5\n").find("crl_refresh"),
            std::string::npos);
  EXPECT_NE(errorsOf("[[monitor]]\nname = \"i\"\nprotocol = \"ikev2\"\ncheck_revocation = true\n")
                .find("applies only to sstp and https"), std::string::npos);
}

TEST(ConfigLoader, RateLimitingDefaultsAndKeys) {
  auto defaults = config::loadString("", "c.toml").config.dns.rrl;
  EXPECT_TRUE(defaults.enabled);
  EXPECT_EQ(defaults.responses_per_second, 20u);
  EXPECT_EQ(defaults.slip, 2u);
  EXPECT_EQ(defaults.ipv4_prefix, 24);
  EXPECT_EQ(defaults.ipv6_prefix, 56);
  ASSERT_EQ(defaults.exempt.size(), 2u);
  EXPECT_EQ(defaults.exempt[0].toString(), "127.0.0.0/8");
  EXPECT_EQ(defaults.exempt[1].toString(), "::1/128");
  auto set = config::loadString(
                 "[dns.rrl]\nenabled = false\nresponses_per_second = 5\nslip = 0\nipv4_prefix = 32\n"
                 "ipv6_prefix = 64\nexempt = [\"192.0.2.7/24\"]\n",
                 "c.toml")
                 .config.dns.rrl;
  EXPECT_FALSE(set.enabled);
  EXPECT_EQ(set.responses_per_second, 5u);
  EXPECT_EQ(set.slip, 0u);
  EXPECT_EQ(set.ipv4_prefix, 32);
  EXPECT_EQ(set.ipv6_prefix, 64);
  ASSERT_EQ(set.exempt.size(), 1u);
  EXPECT_EQ(set.exempt[0].toString(), "192.0.2.0/24");
  EXPECT_TRUE(config::loadString("[dns.rrl]\nexempt = []\n", "c.toml").config.dns.rrl.exempt.empty());
}

TEST(ConfigLoader, XdpInterfaceIsOffUnlessNamed) {
  EXPECT_EQ(config::loadString("", "c.toml").config.dns.xdp_interface, "");
  EXPECT_EQ(config::loadString("[dns]\nxdp_interface = \"eth0\"\n", "c.toml").config.dns.xdp_interface, "eth0");
}

TEST(ConfigLoader, UdpBatchWait) {
  EXPECT_EQ(config::loadString("", "c.toml").config.dns.udp_batch_wait_us, 50u);
  EXPECT_EQ(config::loadString("[dns]\nudp_batch_wait_us = 0\n", "c.toml").config.dns.udp_batch_wait_us, 0u);
  EXPECT_NE(errorsOf("[dns]\nudp_batch_wait_us = 5000\n").find("5000 is out of range (0 to 1000)"), std::string::npos);
}

// Inputs that made toml++ recurse until the stack overflowed are refused
// before it sees them, with where.
TEST(ConfigLoader, DeepKeysAndNestingAreBounded) {
  std::string header = "[a";
  for (int i = 0; i < 50000; ++i) header += ".a";
  EXPECT_NE(errorsOf(header + "]\n").find("c.toml:1:65: a key of more than 32 dotted parts"), std::string::npos)
      << errorsOf(header + "]\n").substr(0, 200);
  std::string dotted = "x = 1\n" + header.substr(1) + " = 1\n";
  EXPECT_NE(errorsOf(dotted).find("c.toml:2:64: a key of more than 32 dotted parts"), std::string::npos);
  std::string arrays = "x = " + std::string(40000, '[') + std::string(40000, ']') + "\n";
  EXPECT_NE(errorsOf(arrays).find("c.toml:1:37: more than 32 arrays"), std::string::npos);
  std::string tables = "x = ";
  for (int i = 0; i < 40000; ++i) tables += "{a=";
  EXPECT_NE(errorsOf(tables + "1\n").find("more than 32 arrays, tables or inline tables"), std::string::npos);
  // Dots and brackets inside strings and comments are not keys.
  std::string quoted = "x = \"" + header + "\"\ny = '''" + header + "\n" + header + "'''\n# " + header + "\n";
  EXPECT_EQ(errorsOf(quoted + "[[zone]]\n").find("dotted parts"), std::string::npos) << errorsOf(quoted).substr(0, 300);
  EXPECT_NE(errorsOf(std::string(config::kMaxConfigBytes + 1, '#')).find("c.toml:1:1: the file is larger than"),
            std::string::npos);
  // A multi-line string may end in one or two quotes of its own before the
  // closing three: the key after it is still seen (toml++ overflowed its
  // stack on this one when the bound ended the string too early).
  std::string parts = "c";
  for (int i = 0; i < 200000; ++i) parts += ".k";
  for (std::string end : {"\"\"\"\"", "\"\"\"\"\"", "'''''"}) {
    std::string open = end[0] == '"' ? "\"\"\"x" : "'''x";
    std::string text = "a = { b = " + open + end + ", " + parts + " = 1 }\n";
    EXPECT_NE(errorsOf(text).find("a key of more than 32 dotted parts"), std::string::npos) << end;
  }
}

TEST(ConfigLoader, AllErrorsAreReportedAtOnce) {
  auto r = config::loadString("[dns]\nthreads = -1\nmax_udp_payload = 10\nbogus = 1\n", "c.toml");
  EXPECT_GE(r.diagnostics.list().size(), 3u) << r.diagnostics.format();
}

TEST(ConfigLoader, MissingFile) {
  auto r = config::loadFile("/nonexistent/gtm.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.format().find("/nonexistent/gtm.toml:0:0: cannot load the config: \"/nonexistent/gtm.toml\": No such file or directory"), std::string::npos);
}

}  // namespace
}  // namespace gtm::test
