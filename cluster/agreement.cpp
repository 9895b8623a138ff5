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
  bool down = mode == Agreement::majority ? 2 * degraded > voters
              : mode == Agreement::all    ? degraded == voters
                                          : degraded > 0;
  if (down) return Health::degraded;
  unsigned up = voters - degraded;
  return 2 * full > up ? Health::full : Health::online;
}

}  // namespace gtm::cluster
