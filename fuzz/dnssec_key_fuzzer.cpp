// libFuzzer target: a DNSSEC key pair's two files as the admin may have
// left them (the input is PATH.key's text, a line "---", then
// PATH.private's), through ldns's readers and gtm's checks (zone, flags,
// algorithm, the private key matching the public one), and for a key that
// loads, the DS record. A key is either usable or refused with a reason.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.hpp"
#include "dnssec/dnssec_keys.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  gtm::config::DnssecKey k;
  k.path = "Kz.test.+013+00000";
  size_t split = input.find("\n---\n");
  k.public_text = input.substr(0, split);
  if (split != std::string::npos) k.private_text = input.substr(split + 5);
  auto key = gtm::dns::loadZoneKey(k, std::string("\x01z\x04test\x00", 8));
  if (!key) {
    if (key.error().empty()) std::abort();  // refused without saying why
    return 0;
  }
  if (key->dnskey.size() < 10 || gtm::dns::dsRecord(*key, std::string("\x01z\x04test\x00", 8), 3600).empty())
    std::abort();
  return 0;
}
