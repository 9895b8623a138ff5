// The zone most DNS tests serve: every record type the issue names, a
// profile with two endpoints, and a long TXT for truncation tests.
#pragma once

#include <cstdint>
#include <string>

namespace gtm::test {

// The smallest zone a profile can live in: vpn.example.com. with its one
// name server.
inline std::string minimalZone() {
  return R"([[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "192.0.2.53" } ]
)";
}

// An SSTP monitor (every 0.5 s, no failure tolerated) on the SSTP test
// server's port and a priority profile aovpn over two sites on loopback:
// east 127.0.10.10 first, west 127.0.20.10.
inline std::string twoSiteSstpProfile(uint16_t sstp_port) {
  return R"(
[[monitor]]
name = "sstp"
protocol = "sstp"
port = )" + std::to_string(sstp_port) + R"(
interval = 0.5
timeout = 0.3
tolerated_failures = 0
rise = 1

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "east"
  target = "127.0.10.10"
  priority = 1
  [[profile.endpoint]]
  name = "west"
  target = "127.0.20.10"
  priority = 2
)";
}

inline std::string testConfig(const std::string& dns_table = "") {
  return dns_table + R"(
[[zone]]
origin = "vpn.example.com."
ttl = 3600
ns = ["ns1.vpn.example.com.", "ns2.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com.", refresh = 3600, retry = 600, expire = 1209600, minimum = 30, serial = 2024010101 }
records = [
  { name = "ns1", type = "A", data = "192.0.2.53" },
  { name = "ns2", type = "AAAA", data = "2001:db8::53", ttl = 86400 },
  { name = "@", type = "TXT", data = "v=spf1 -all" },
  { name = "@", type = "MX", data = "10 mail" },
  { name = "mail", type = "A", data = "192.0.2.25" },
  { name = "www", type = "CNAME", data = "aovpn" },
  { name = "ext", type = "CNAME", data = "vpn.example.org." },
  { name = "_sstp._tcp", type = "SRV", data = "0 0 443 aovpn" },
  { name = "@", type = "CAA", data = "0 issue \"letsencrypt.org\"" },
  { name = "big", type = "TXT", data = "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"" },
  { name = "deep.ent.sub", type = "A", data = "192.0.2.99" },
]

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
routing = "priority"
ttl = 30
  [[profile.endpoint]]
  name = "east"
  target = ["198.51.100.10", "2001:db8:e::10"]
  priority = 1
  [[profile.endpoint]]
  name = "west"
  target = "203.0.113.10"
  priority = 2
  enabled = true

[[profile]]
name = "standby"
fqdn = "standby.vpn.example.com."
  [[profile.endpoint]]
  name = "off"
  target = "198.51.100.20"
  enabled = false
  [[profile.endpoint]]
  name = "on"
  target = "198.51.100.21"
)";
}

}  // namespace gtm::test
