// The gtm subcommands. Each takes the arguments after its name and returns
// the process exit code.
#pragma once

#include <string>
#include <vector>

namespace gtm::cli {

using Args = std::vector<std::string>;

int serveCommand(const Args& args);
int checkCommand(const Args& args);
int probeCommand(const Args& args);
int lbCommand(const Args& args);
int statusCommand(const Args& args);
int endpointCommand(const Args& args);
int eventsCommand(const Args& args);
int trafficCommand(const Args& args);
int dnssecCommand(const Args& args);
int routeCommand(const Args& args);

}  // namespace gtm::cli
