#include "config/status_reader.hpp"

#include "common/small_file.hpp"
#include "config/table_reader.hpp"

namespace gtm::config {
namespace {

void readToken(const toml::table& t, StatusSettings& status, Diagnostics& diag) {
  TableReader r(t, "[[status.token]]", diag);
  StatusToken token;
  token.where = r.where();
  assign(token.name, r.name("name"));
  if (auto file = r.string("file", true)) {
    token.file = *file;
    if (auto secret = readSecretLine(*file); !secret)
      r.error("file", secret.error());
    else
      token.secret = *secret;
  }
  using Role = StatusToken::Role;
  assign(token.role, r.choice<Role>("role", {{"operator", Role::operator_}, {"viewer", Role::viewer}}, true));
  if (token.name.empty()) r.error("name", "is required: it names who acted in the event journal");
  r.finish();
  for (const StatusToken& other : status.tokens) {
    if (!token.name.empty() && other.name == token.name)
      diag.error(token.where, "[[status.token]] \"" + token.name + "\" is defined twice");
    else if (!token.secret.empty() && other.secret == token.secret)
      diag.error(token.where, "[[status.token]] \"" + token.name + "\" has the same secret as \"" + other.name +
                                  "\": each name needs its own token, or the journal cannot tell them apart");
  }
  status.tokens.push_back(std::move(token));
}

}  // namespace

void readStatus(const toml::table& t, StatusSettings& status, Diagnostics& diag) {
  TableReader sr(t, "[status]", diag);
  status.where = sr.where();
  if (auto listen = sr.string("listen", true)) {
    auto sa = SocketAddress::parse(*listen, 8053);
    if (!sa)
      sr.error("listen", sa.error());
    else
      status.listen = *sa;
  }
  assign(status.token_file, sr.string("token_file"));
  if (!status.token_file.empty()) {
    // An empty token would silently turn control off: refused.
    if (auto token = readSecretLine(status.token_file); !token) {
      sr.error("token_file", token.error());
    } else {
      status.token = *token;
      status.tokens.push_back({"admin", status.token_file, *token, StatusToken::Role::operator_, sr.where("token_file")});
    }
  }
  if (const toml::array* tokens = sr.array("token")) {
    for (const toml::node& item : *tokens) {
      if (const toml::table* tt = item.as_table())
        readToken(*tt, status, diag);
      else
        diag.error(locationOf(item), "[[status.token]]: expected a table");
    }
  }
  assign(status.read_needs_token, sr.choice<bool>("read", {{"open", false}, {"token", true}}));
  if (status.read_needs_token && status.tokens.empty())
    sr.error("read", "\"token\" needs token_file or a [[status.token]]: nobody could read the status");
  assign(status.state_file, sr.string("state_file"));
  assign(status.endpoint_metrics, sr.boolean("endpoint_metrics"));
  assign(status.traffic_view, sr.boolean("traffic_view"));
  for (const std::string& host : sr.stringList("allowed_hosts")) {
    if (host.empty() || host.size() > 253 || host.find_first_of(" \t\r\n/:[]") != std::string::npos)
      sr.error("allowed_hosts", "\"" + host + "\" is not a host name");
    else
      status.allowed_hosts.push_back(host);
  }
  std::string event_log;
  assign(event_log, sr.string("event_log"));
  if (event_log.empty() && !status.state_file.empty()) {
    size_t slash = status.state_file.rfind('/');
    event_log = (slash == std::string::npos ? std::string() : status.state_file.substr(0, slash + 1)) + "events.jsonl";
  }
  status.event_log = event_log == "none" ? "" : event_log;
  if (auto max = sr.integer("event_log_max", 64 * 1024, int64_t{1} << 40)) status.event_log_max = static_cast<uint64_t>(*max);
  sr.finish();
}

}  // namespace gtm::config
