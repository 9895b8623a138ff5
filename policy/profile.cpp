#include "policy/profile.hpp"

namespace gtm::policy {

const Endpoint* chooseEndpoint(const Profile& profile) {
  // Priority routing: the first enabled endpoint. Health states join this
  // decision once monitors publish them.
  for (const Endpoint& e : profile.endpoints) {
    if (e.enabled) return &e;
  }
  return nullptr;
}

}  // namespace gtm::policy
