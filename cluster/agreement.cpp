#include "cluster/agreement.hpp"

namespace gtm::cluster {

policy::Health agree(Agreement mode, policy::Health own, std::span<const policy::Health> others) {
  using policy::Health;
  if (mode == Agreement::local) return own;
  unsigned voters = 0, degraded = 0, full = 0;
  auto count = [&](Health h) {
    if (h == Health::checking || h == Health::unmonitored) return;
    ++voters;
    degraded += h == Health::degraded;
    full += h == Health::full;
  };
  count(own);
  for (Health h : others) count(h);
  if (voters == 0) return Health::checking;
  // Full takes clients out as Degraded does (an RRAS out of ports takes no
  // new one): both count against the endpoint.
  unsigned out = degraded + full;
  bool taken_out = mode == Agreement::majority ? 2 * out > voters
                   : mode == Agreement::all    ? out == voters
                                               : out > 0;
  if (!taken_out) return Health::online;
  return 2 * full > out ? Health::full : Health::degraded;
}

}  // namespace gtm::cluster
