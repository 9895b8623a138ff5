// Dropping root after the privileged work is done (binding port 53): the
// query path never runs as root.
#pragma once

#include <string>

#include "common/result.hpp"

namespace gtm {

// Switches every thread of the process to `user` (and its groups); an error
// if the user is unknown or the switch fails. Does nothing unless root.
[[nodiscard]] Result<Ok> dropPrivileges(const std::string& user);

}  // namespace gtm
