// Reading the [[zone]] and [[tsig_key]] tables of a config (called by
// config_loader.cpp for each table of those arrays).
#pragma once

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/table_reader.hpp"

namespace gtm::config {

// One [[zone]]: origin, ttl, ns, soa, records, dnssec, transfer.
void readZone(const toml::table& t, Config& cfg, Diagnostics& diag);
// One [[tsig_key]]: name, algorithm, secret_file (read now, as root).
void readTsigKey(const toml::table& t, Config& cfg, Diagnostics& diag);

}  // namespace gtm::config
