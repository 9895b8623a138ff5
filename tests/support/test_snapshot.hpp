// A serving snapshot compiled from config text, for tests of the packet path.
#pragma once

#include <memory>
#include <string>

#include "dns/snapshot.hpp"

namespace gtm::test {

// Empty `errors` and a snapshot, or the diagnostics in `errors` and nullptr.
std::unique_ptr<dns::Snapshot> compileSnapshot(const std::string& config_text, std::string& errors);

}  // namespace gtm::test
