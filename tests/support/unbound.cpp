#include "tests/support/unbound.hpp"

#include <unistd.h>

#include <sstream>

namespace gtm::test {

std::string unboundMissing() {
  if (::access("/usr/sbin/unbound", X_OK) != 0) return "unbound is not installed (scripts/install-deps.sh test)";
  if (!haveCommand("dig")) return "dig is not installed (scripts/install-deps.sh test)";
  return "";
}

ValidatingResolver startUnbound(const std::string& dir, const std::string& anchor, const std::string& zone,
                                uint16_t stub_port) {
  ValidatingResolver r;
  r.port = freePort();
  std::string conf = writeFile(dir, "unbound.conf", R"(server:
  interface: 127.0.0.1
  port: )" + std::to_string(r.port) + R"(
  do-daemonize: no
  username: ""
  chroot: ""
  directory: ")" + dir + R"("
  pidfile: ")" + dir + R"(/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  val-log-level: 2
  do-not-query-localhost: no
  module-config: "validator iterator"
  trust-anchor: ")" + anchor + R"("
stub-zone:
  name: ")" + zone + R"("
  stub-addr: 127.0.0.1@)" + std::to_string(stub_port) + "\n");
  r.process = ChildProcess::start({"/usr/sbin/unbound", "-d", "-c", conf}, "start of service");
  return r;
}

Resolved resolve(uint16_t resolver, const std::string& name, const std::string& type) {
  auto r = run("dig +dnssec +time=3 +tries=1 @127.0.0.1 -p " + std::to_string(resolver) + " " + name + " " + type);
  Resolved out;
  out.output = r.output;
  std::istringstream in(r.output);
  std::string line;
  bool answer = false;
  while (std::getline(in, line)) {
    if (auto at = line.find("status: "); at != std::string::npos)
      out.rcode = line.substr(at + 8, line.find(',', at) - at - 8);
    if (line.rfind(";; flags:", 0) == 0) out.ad = line.substr(0, line.find(';', 3)).find(" ad") != std::string::npos;
    if (line.rfind(";; ANSWER SECTION:", 0) == 0) {
      answer = true;
      continue;
    }
    if (answer && line.empty()) answer = false;
    if (answer && line.find("RRSIG") == std::string::npos) out.answers += line.substr(line.rfind('\t') + 1) + "\n";
  }
  return out;
}

}  // namespace gtm::test
