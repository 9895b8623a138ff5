// libFuzzer target: arbitrary bytes into the query handler, as UDP (through
// response rate limiting, 50 ms apart) and as TCP, against a zone with every
// feature the packet path has (profiles, CNAME chains, glue, a large TXT),
// signed with DNSSEC (a throwaway key made for this target), so queries with
// the DO bit walk the NSEC chain. Built with clang and -fsanitize=fuzzer
// for fuzzing, and with replay_main.cpp as a plain test that replays the
// seed corpus.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <vector>

#include "config/config_loader.hpp"
#include "dns/query_handler.hpp"
#include "dns/snapshot_builder.hpp"

namespace {

constexpr const char* kConfig = R"(
[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com.", "ns2.elsewhere.test."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com.", minimum = 30 }
records = [
  { name = "ns1", type = "A", data = "192.0.2.53" },
  { name = "ns1", type = "AAAA", data = "2001:db8::53" },
  { name = "@", type = "TXT", data = "v=spf1 -all" },
  { name = "@", type = "MX", data = "10 mail" },
  { name = "www", type = "CNAME", data = "w2" },
  { name = "w2", type = "CNAME", data = "aovpn" },
  { name = "c1", type = "CNAME", data = "c2" },
  { name = "c2", type = "CNAME", data = "c3" },
  { name = "c3", type = "CNAME", data = "c4" },
  { name = "c4", type = "CNAME", data = "c5" },
  { name = "c5", type = "CNAME", data = "c6" },
  { name = "c6", type = "CNAME", data = "c7" },
  { name = "c7", type = "CNAME", data = "c8" },
  { name = "c8", type = "CNAME", data = "c9" },
  { name = "c9", type = "A", data = "192.0.2.99" },
  { name = "a.b.c", type = "SRV", data = "0 0 443 aovpn" },
  { name = "big", type = "TXT", data = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
]

[[zone]]
origin = "sub.vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
  [[profile.endpoint]]
  name = "east"
  target = ["198.51.100.10", "198.51.100.11", "2001:db8:e::10"]
  [[profile.endpoint]]
  name = "west"
  target = "203.0.113.10"
)";

// A combined signing key for vpn.example.com., made with ldns-keygen for this
// target only.
constexpr const char* kKey =
    "vpn.example.com.\tIN\tDNSKEY\t257 3 15 UKhgbwOQT4VFeyLyxnXBU2/YXBzG9Ust7/DRigPaLHY= ;{id = 51287 (ksk)}\n";
constexpr const char* kPrivateKey =
    "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: E33ClcaOBvtL1gxmr6ntH6IlvQRwe7GwA9snTNmjb2Y=\n";

struct Harness {
  Harness() : handler(gtm::dns::CookieSecret{7}, 1232, &limiter) {
    auto loaded = gtm::config::loadString(kConfig, "fuzz.toml");
    gtm::config::Dnssec dnssec;
    dnssec.keys.push_back({"Kvpn.example.com.+015+51287", kKey, kPrivateKey, false, {}});
    loaded.config.zones[0].dnssec = dnssec;
    gtm::dns::SerialClock serials;
    snapshot = gtm::dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
    if (!snapshot) {
      std::fputs(loaded.diagnostics.format().c_str(), stderr);
      std::abort();
    }
    client.address = *gtm::IpAddress::parse("192.0.2.1");
    client.now = 1700000000;
  }
  std::unique_ptr<gtm::dns::Snapshot> snapshot;
  gtm::dns::RateLimiter limiter{gtm::config::RrlSettings{}};
  gtm::dns::QueryHandler handler;
  gtm::dns::ClientInfo client;
  std::vector<uint8_t> out = std::vector<uint8_t>(65535);
};

void checkResponse(const std::vector<uint8_t>& out, size_t n, size_t limit) {
  if (n > limit) std::abort();  // never more than the client may take
  if (n != 0 && (n < 12 || !(out[2] & 0x80))) std::abort();  // a response header, QR set
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  std::span<const uint8_t> in(data, size);
  h.client.tcp = false;
  h.client.clock_us += 50000;
  size_t n = h.handler.handle(*h.snapshot, in, h.client, {h.out.data(), 1232});
  checkResponse(h.out, n, 1232);
  h.client.tcp = true;
  n = h.handler.handle(*h.snapshot, in, h.client, h.out);
  checkResponse(h.out, n, 65535);
  return 0;
}
