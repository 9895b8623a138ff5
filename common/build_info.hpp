// What this gtm is: its version (CMake's project(VERSION), one place), the
// git description of the checkout it was built from, and the versions of
// the libraries it was built with, for `gtm --version` and
// gtm_build_info in /metrics.
#pragma once

#include <string>

namespace gtm {

[[nodiscard]] const char* version();       // "0.1.0"
[[nodiscard]] const char* gitDescribe();   // "v0.1.0-42-gabcdef0-dirty", or "" outside a checkout
[[nodiscard]] std::string libraryVersions();  // "ldns 1.8.3, OpenSSL 3.0.x ..., Boost 1.74, libmaxminddb 1.7.1"

}  // namespace gtm
