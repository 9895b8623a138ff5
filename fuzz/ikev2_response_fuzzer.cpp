// libFuzzer target: the IKEv2 response classifier, with bytes a probe reads
// from UDP 500/4500.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "monitor/ikev2_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // With the SPI the input itself starts with, so that the parser gets past
  // the "not ours" check.
  gtm::monitor::ikev2::Spi spi{};
  if (size >= 8) std::memcpy(spi.data(), data, 8);
  auto r = gtm::monitor::ikev2::classifyResponse({data, size}, spi);
  if (r.verdict == gtm::monitor::ikev2::Verdict::notify && r.notify_type == 0) std::abort();
  // The diagnostics: bounded, and nameable whatever they hold.
  if (r.cookie.size() > 64 || r.vendor_ids.size() > 16) std::abort();
  if (r.proposal && gtm::monitor::ikev2::proposalText(*r.proposal).empty()) std::abort();
  for (const auto& id : r.vendor_ids) (void)gtm::monitor::ikev2::vendorName(id);
  return 0;
}
