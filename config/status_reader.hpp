// Reading the [status] table of a config: the status server, its tokens
// and who may read, the admin state file and the event journal.
#pragma once

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostics.hpp"

namespace gtm::config {

void readStatus(const toml::table& t, StatusSettings& status, Diagnostics& diag);

}  // namespace gtm::config
