// libFuzzer target: arbitrary bytes as a zone transfer request to the
// transfer service (xfr/), over TCP and UDP, from an allowed address: as
// they come (TSIG parsing, refusals), and signed with the zone's key first
// (so that mutations of AXFR/IXFR questions and IXFR serials reach the
// answers). The zone is signed and has a journal of one change. Replayed
// as a plain test by replay_main.cpp.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "config/config_loader.hpp"
#include "dns/snapshot_builder.hpp"
#include "dns/snapshot_store.hpp"
#include "xfr/transfer_service.hpp"
#include "xfr/tsig.hpp"

namespace {

constexpr const char* kConfig = R"(
[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "192.0.2.53" }, { name = "www", type = "CNAME", data = "aovpn" } ]

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
  [[profile.endpoint]]
  name = "east"
  target = ["198.51.100.10", "2001:db8:e::10"]
  [[profile.endpoint]]
  name = "west"
  target = "203.0.113.10"
)";

constexpr const char* kKey =
    "vpn.example.com.\tIN\tDNSKEY\t257 3 15 UKhgbwOQT4VFeyLyxnXBU2/YXBzG9Ust7/DRigPaLHY= ;{id = 51287 (ksk)}\n";
constexpr const char* kPrivateKey =
    "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: E33ClcaOBvtL1gxmr6ntH6IlvQRwe7GwA9snTNmjb2Y=\n";

struct Harness {
  Harness() {
    auto loaded = gtm::config::loadString(kConfig, "fuzz.toml");
    gtm::config::Dnssec dnssec;
    dnssec.keys.push_back({"Kvpn.example.com.+015+51287", kKey, kPrivateKey, false, {}});
    loaded.config.zones[0].dnssec = dnssec;
    gtm::config::TsigKey key;
    key.name = "xfr";
    key.secret = std::string(32, 'k');
    loaded.config.tsig_keys.push_back(key);
    gtm::config::Transfer transfer;
    transfer.allow.push_back(*gtm::Subnet::parse("0.0.0.0/0"));
    transfer.tsig = "xfr";
    transfer.journal = 4;
    loaded.config.zones[0].transfer = transfer;
    gtm::dns::SerialClock serials;
    auto snapshot = gtm::dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
    if (!snapshot) {
      std::fputs(loaded.diagnostics.format().c_str(), stderr);
      std::abort();
    }
    config = loaded.config;
    keys = gtm::xfr::tsigKeys(config.tsig_keys);
    store.publish(std::move(snapshot));
    service = std::make_unique<gtm::xfr::TransferService>(store, [this](uint32_t serial) {
      gtm::config::Diagnostics diag("fuzz.toml");
      auto next = gtm::dns::withSerial(*store.current(), config, serial, diag);
      if (!next) {
        std::fputs(diag.format().c_str(), stderr);
        return false;
      }
      store.publish(std::move(next));
      return true;
    });
    service->configure(config);
    service->check();
    // One change in the journal: east disabled by an admin.
    store.current()->health->setAdminDisabled(store.current()->profiles[0].endpoints[0].health_slot, true);
    service->check();
    std::this_thread::sleep_for(gtm::xfr::kSerialBatch + std::chrono::milliseconds(10));
    service->check();
    peer = *gtm::IpAddress::parse("192.0.2.1");
  }
  gtm::config::Config config;
  std::vector<gtm::xfr::TsigKey> keys;
  gtm::dns::SnapshotStore store;
  std::unique_ptr<gtm::xfr::TransferService> service;
  gtm::IpAddress peer;
};

void checkAnswer(const std::vector<std::string>& messages, bool tcp) {
  if (!tcp && messages.size() > 1) std::abort();
  for (const std::string& m : messages)
    if (m.size() < 12 || m.size() > 65535 || !(static_cast<uint8_t>(m[2]) & 0x80)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  std::span<const uint8_t> in(data, size);
  for (bool tcp : {true, false}) checkAnswer(h.service->answer(in, h.peer, tcp, 1232), tcp);
  if (size >= 12 && size < 60000) {
    std::string signed_request(reinterpret_cast<const char*>(data), size);
    (void)gtm::xfr::signRequest(signed_request, h.keys.front(), static_cast<uint64_t>(std::time(nullptr)));
    std::span<const uint8_t> s(reinterpret_cast<const uint8_t*>(signed_request.data()), signed_request.size());
    for (bool tcp : {true, false}) checkAnswer(h.service->answer(s, h.peer, tcp, 1232), tcp);
  }
  return 0;
}
