#include "cluster/cluster_keys.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "common/ip_address.hpp"
#include "config/table_reader.hpp"

namespace gtm::cluster {
namespace {

using json = nlohmann::json;

// A JSON object of at most kMaxValueBytes, or why not.
Result<json> object(std::string_view value) {
  if (value.size() > kMaxValueBytes)
    return Error{"a value of " + std::to_string(value.size()) + " bytes (at most " + std::to_string(kMaxValueBytes) +
                 " are read)"};
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return Error{"not a JSON object"};
  return j;
}

// The string field `key` of `j`: missing is "", another type an error.
Result<std::string> stringField(const json& j, const char* key, size_t max) {
  auto it = j.find(key);
  if (it == j.end()) return std::string();
  if (!it->is_string()) return Error{std::string("\"") + key + "\" is not a string"};
  const std::string& s = it->get_ref<const std::string&>();
  if (s.size() > max) return Error{std::string("\"") + key + "\" is longer than " + std::to_string(max) + " bytes"};
  return s;
}

// A name as the config has them (1-63 of [A-Za-z0-9._-]): nothing else
// reaches a log, a status page or a state file.
Result<std::string> name(std::string_view text, const char* what) {
  if (!config::isName(text)) return Error{std::string(what) + " is not a name (" + std::string(config::kNameRule) + ")"};
  return std::string(text);
}

}  // namespace

KeyFamily keyFamily(std::string_view key) {
  if (key.starts_with("nodes/")) return KeyFamily::node;
  if (key.starts_with("obs/")) return KeyFamily::observation;
  if (key.starts_with("admin/")) return KeyFamily::admin;
  if (key == "serial") return KeyFamily::serial;
  return KeyFamily::other;
}

bool isTargetKey(std::string_view target) {
  if (target.size() > kMaxTargetBytes) return false;
  size_t a = target.find('|');
  size_t b = a == std::string_view::npos ? a : target.find('|', a + 1);
  if (b == std::string_view::npos) return false;
  std::string_view port = target.substr(b + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return config::isName(target.substr(0, a)) && IpAddress::parse(target.substr(a + 1, b - a - 1)).has_value() &&
         ec == std::errc() && end == port.data() + port.size() && !port.empty() && value <= 65535;
}

Result<NodeRecord> decodeNode(std::string_view key, std::string_view value, bool deleted) {
  auto n = name(key.substr(6), "the node");
  if (!n) return Error{n.error()};
  NodeRecord out{*n, "", "", ""};
  if (deleted) return out;
  auto j = object(value);
  if (!j) return Error{j.error()};
  auto digest = stringField(*j, "config_digest", 64);
  auto version = stringField(*j, "version", 64);
  auto admin = stringField(*j, "admin_digest", 64);
  for (const auto* r : {&digest, &version, &admin})
    if (!*r) return Error{r->error()};
  out.config_digest = *digest;
  out.version = *version;
  out.admin_digest = *admin;
  // Shown on status pages and in logs: printable ASCII only.
  for (const std::string* s : {&out.config_digest, &out.version, &out.admin_digest})
    for (char c : *s)
      if (c < 0x20 || c > 0x7E) return Error{"a field with a control or non-ASCII character"};
  return out;
}

Result<ObservationRecord> decodeObservation(std::string_view key, std::string_view value, bool deleted) {
  std::string_view rest = key.substr(4);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Error{"not obs/NODE/TARGET"};
  auto n = name(rest.substr(0, slash), "the node");
  if (!n) return Error{n.error()};
  std::string_view target = rest.substr(slash + 1);
  if (!isTargetKey(target)) return Error{"the target is not MONITOR|ADDRESS|PORT"};
  ObservationRecord out{*n, std::string(target), policy::Health::checking};
  if (deleted) return out;
  auto j = object(value);
  if (!j) return Error{j.error()};
  auto state = stringField(*j, "state", 32);
  if (!state) return Error{state.error()};
  auto health = healthFromName(*state);
  if (!health) return Error{"\"state\" is not a health state"};
  out.state = *health;
  return out;
}

Result<AdminRecord> decodeAdmin(std::string_view key, std::string_view value, bool deleted) {
  std::string_view rest = key.substr(6);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Error{"not admin/GROUP/MEMBER"};
  auto group = name(rest.substr(0, slash), "the group");
  if (!group) return Error{group.error()};
  auto member = name(rest.substr(slash + 1), "the member");
  if (!member) return Error{member.error()};
  AdminRecord out{*group + "/" + *member, "enabled"};  // a deleted override: enabled
  if (deleted) return out;
  auto known = [](std::string_view s) { return s == "enabled" || s == "disabled" || s == "drained"; };
  if (known(value)) {
    out.state = std::string(value);
    return out;
  }
  if (value.empty() || value.front() != '{') return Error{"not \"enabled\", \"disabled\" or \"drained\""};
  auto j = object(value);
  if (!j) return Error{j.error()};
  auto state = stringField(*j, "state", 16);
  if (!state) return Error{state.error()};
  if (!known(*state)) return Error{"\"state\" is not \"enabled\", \"disabled\" or \"drained\""};
  out.state = *state;
  auto by = stringField(*j, "by", 64), node = stringField(*j, "node", 64), client = stringField(*j, "client", 64),
       reason = stringField(*j, "reason", 512);
  for (const auto* r : {&by, &node, &client, &reason})
    if (!*r) return Error{r->error()};
  out.actor = {*by, *node, *client, *reason};
  return out;
}

std::string encodeAdmin(const std::string& state, const AdminActor& actor) {
  return json{{"state", state}, {"by", actor.by}, {"node", actor.node}, {"client", actor.client}, {"reason", actor.reason}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<policy::Health> healthFromName(std::string_view name) {
  using policy::Health;
  for (Health h : {Health::checking, Health::online, Health::degraded, Health::unmonitored, Health::full})
    if (policy::healthName(h) == name) return h;
  return std::nullopt;
}

}  // namespace gtm::cluster
