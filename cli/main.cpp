// gtm: a global traffic manager for Always On VPN. Dispatches subcommands.
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "common/build_info.hpp"


namespace {

constexpr const char* kUsage = R"(usage: gtm COMMAND [OPTIONS]

commands:
  serve --config FILE   run the authoritative DNS server in the foreground
                        (SIGHUP or a file change reloads; SIGTERM stops;
                        --ignore-state starts with a corrupt state_file's
                        admin overrides dropped instead of refusing to start;
                        --node NAME names this node in [cluster], over the
                        config's node, so every node can share one file)
  check --config FILE   validate FILE (for serve or lb) and print what it
                        would serve or balance; errors as file:line:column
  lb --config FILE      run the site balancer: nftables DNAT with Maglev
                        tables kept in step with the real servers' health
                        (--dry-run prints the ruleset; --keep-rules leaves
                        it installed on exit; --ignore-state and --node as
                        for serve: [cluster] shares a site's balancers' admin state)
  status --config FILE  what the running gtm serve answers and why, from its
                        status server ([status] listen): a headline per
                        profile, then each endpoint; --json for the API's JSON;
                        --cluster for the nodes and where this node's view
                        differs from what they agree; --token-file F
  events --config FILE  the event journal: what happened, when and who did it
                        (--since 1h, --until T, --profile P, --endpoint E,
                        --type answer,admin,..., --limit N, --follow, --json,
                        --token-file F)
  traffic PROFILE --config FILE
                        who is sent where: each endpoint's answers of the last
                        hour by client network (/24, /48) and country (--json)
  endpoint disable|enable|drain PROFILE/ENDPOINT --config FILE
                        take an endpoint out of the answers, or back (for
                        gtm lb: SERVICE/REAL, a real server out of the table);
                        --reason TEXT goes to the journal; --token-file F
  dnssec ds ZONE --config FILE
                        the DS records of the zone's keys with the SEP flag,
                        for the parent zone
  route PROFILE ADDRESS[/PREFIX] --config FILE
                        which endpoint a client there gets and why (for
                        geographic profiles: its region, each level's endpoint)
  probe PROTOCOL HOST   probe one server now (sstp, ikev2, https, http, tcp,
                        radius, gtm-lb);
                        `gtm probe --help` lists its options

options:
  --help                show this help
  --version             show the version
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = args.front();
  args.erase(args.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    std::cout << "gtm " << gtm::version();
    if (*gtm::gitDescribe()) std::cout << " (" << gtm::gitDescribe() << ")";
    std::cout << "\nbuilt with " << gtm::libraryVersions() << "\n";
    return 0;
  }
  try {
    if (cmd == "serve") return gtm::cli::serveCommand(args);
    if (cmd == "check") return gtm::cli::checkCommand(args);
    if (cmd == "probe") return gtm::cli::probeCommand(args);
    if (cmd == "lb") return gtm::cli::lbCommand(args);
    if (cmd == "status") return gtm::cli::statusCommand(args);
    if (cmd == "endpoint") return gtm::cli::endpointCommand(args);
    if (cmd == "events") return gtm::cli::eventsCommand(args);
    if (cmd == "traffic") return gtm::cli::trafficCommand(args);
    if (cmd == "dnssec") return gtm::cli::dnssecCommand(args);
    if (cmd == "route") return gtm::cli::routeCommand(args);
  } catch (const std::exception& e) {
    std::cerr << "gtm " << cmd << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "gtm: unknown command \"" << cmd << "\"\n" << kUsage;
  return 2;
}
