#include "tests/support/http_client.hpp"

#include <cstdlib>

#include "tests/support/gtm_process.hpp"

namespace gtm::test {

HttpReply httpRequest(uint16_t port, const std::string& method, const std::string& path, const std::string& token,
                      const std::string& json_body) {
  std::string cmd = "curl -s -o - -w \"\\n%{http_code}\" -X " + method + " ";
  if (!token.empty()) cmd += "-H \"Authorization: Bearer " + token + "\" ";
  if (!json_body.empty()) cmd += "-H 'Content-Type: application/json' --data '" + json_body + "' ";
  cmd += "'http://127.0.0.1:" + std::to_string(port) + path + "'";
  auto r = run(cmd);
  HttpReply h;
  size_t nl = r.output.rfind('\n');
  h.body = nl == std::string::npos ? "" : r.output.substr(0, nl);
  h.status = std::atoi(r.output.substr(nl == std::string::npos ? 0 : nl + 1).c_str());
  return h;
}

std::string curlGet(uint16_t port, const std::string& path) {
  return run("curl -s --max-time 5 http://127.0.0.1:" + std::to_string(port) + path).output;
}

}  // namespace gtm::test
