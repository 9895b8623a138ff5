// libFuzzer target: the gtm-lb monitor's reading of a balancer's status
// document (JSON from the network), with and without named services.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "monitor/balancer_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto vip = *gtm::IpAddress::parse("198.18.0.10");
  for (unsigned min_reals : {1u, 2u}) {
    auto by_vip = gtm::monitor::judgeBalancer(text, {}, vip, min_reals);
    auto named = gtm::monitor::judgeBalancer(text, {"ikev2", "sstp"}, vip, min_reals);
    // A verdict always says why, and Full is only ever a kind of up.
    if (by_vip.reason.empty() || named.reason.empty()) std::abort();
    if ((by_vip.full && !by_vip.up) || (named.full && !named.up)) std::abort();
  }
  return 0;
}
