#include "monitor/balancer_report.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/utf8.hpp"

namespace gtm::monitor {
namespace {

using json = nlohmann::json;

// Reals named in a reason, at most; the rest are counted.
constexpr size_t kMaxNamed = 8;
// What is read of a status document at the most: a gtm lb's own page stays
// far below (its services and reals come from a config file), a hostile or
// broken one costs no more than this.
constexpr size_t kMaxDepth = 16;
constexpr size_t kMaxServices = 1024;
constexpr size_t kMaxReals = 1024;
constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxReasonBytes = 512;

// Whether JSON text nests arrays and objects at most `max` deep (strings
// skipped): checked before parsing, which costs memory by depth.
bool nestsWithin(std::string_view text, size_t max) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// A name from the page, as a reason may show it.
std::string shown(const std::string& name) { return boundedUtf8(name, kMaxNameBytes); }

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Why a real server takes no new clients, in the balancer's words.
std::string whyOut(const json& real, const std::string& state) {
  std::string name = shown(text(real, "name"));
  if (name.empty()) name = "?";
  if (state.empty()) return name + " in no known state";
  if (state == "Disabled") return name + " disabled by admin";
  if (state == "Drained") return name + " drained";
  if (state == "Full") return name + " full";
  std::string out = name + " " + shown(state);
  auto checks = real.find("checks");
  if (checks != real.end() && checks->is_array())
    for (const json& c : *checks) {
      if (!c.is_object()) continue;
      std::string agreed = text(c, "agreed");
      if (agreed.empty()) agreed = text(c, "state");
      if (agreed == "Online" || agreed == "CheckingEndpoint") continue;
      std::string reason = boundedUtf8(text(c, "reason"), 120);
      return out + " (" + shown(text(c, "monitor")) + ": " + reason + ")";
    }
  return out;
}

struct ServiceCount {
  std::string line;
  bool enough = false, full = false;
  size_t taking = 0;
};

ServiceCount count(const json& service, unsigned min_reals) {
  ServiceCount out;
  size_t taking = 0, full = 0, total = 0;
  std::vector<std::string> missing;
  auto reals = service.find("reals");
  if (reals != service.end() && reals->is_array())
    for (const json& real : *reals) {
      if (!real.is_object() || total == kMaxReals) continue;
      ++total;
      std::string state = text(real, "state");
      if (state == "Online" || state == "Unmonitored" || state == "CheckingEndpoint") {
        ++taking;
        continue;
      }
      full += state == "Full";
      if (missing.size() < kMaxNamed) missing.push_back(whyOut(real, state));
    }
  out.taking = taking;
  out.enough = taking >= min_reals;
  out.full = !out.enough && taking + full >= min_reals;
  out.line = shown(text(service, "name")) + ": " + std::to_string(taking) + " of " + std::to_string(total) + " reals online";
  if (!out.enough && min_reals > 1) out.line += ", " + std::to_string(min_reals) + " needed";
  for (size_t i = 0; i < missing.size(); ++i) out.line += (i ? ", " : ": ") + missing[i];
  if (total - taking > missing.size()) out.line += " and " + std::to_string(total - taking - missing.size()) + " more";
  return out;
}

}  // namespace

BalancerVerdict judgeBalancer(std::string_view status_json, const std::vector<std::string>& services,
                              const IpAddress& vip, unsigned min_reals) {
  BalancerVerdict v;
  if (!nestsWithin(status_json, kMaxDepth)) {
    v.reason = "not a gtm lb status document (nested deeper than " + std::to_string(kMaxDepth) + " levels)";
    return v;
  }
  json doc = json::parse(status_json, nullptr, false);
  auto list = doc.is_object() ? doc.find("services") : doc.end();
  if (!doc.is_object() || list == doc.end() || !list->is_array()) {
    v.reason = "not a gtm lb status document (no services list)";
    return v;
  }
  if (list->size() > kMaxServices) {
    v.reason = "not a gtm lb status document (" + std::to_string(list->size()) + " services; at most " +
               std::to_string(kMaxServices) + " are read)";
    return v;
  }
  std::vector<const json*> watched;
  if (services.empty()) {
    for (const json& s : *list)
      if (s.is_object() && IpAddress::parse(text(s, "vip")) == vip) watched.push_back(&s);
    if (watched.empty()) {
      v.reason = "the balancer has no service with VIP " + vip.toString() + " (name it with service = \"...\")";
      return v;
    }
  } else {
    for (const std::string& name : services) {
      const json* found = nullptr;
      for (const json& s : *list)
        if (s.is_object() && text(s, "name") == name) found = &s;
      if (!found) {
        v.reason = "the balancer has no service \"" + shown(name) + "\"";
        return v;
      }
      watched.push_back(found);
    }
  }
  v.up = true;
  std::string failed, passed;
  size_t fewest = kMaxReals;
  for (const json* s : watched) {
    ServiceCount c = count(*s, min_reals);
    fewest = std::min(fewest, c.taking);
    std::string& into = c.enough ? passed : failed;
    into += (into.empty() ? "" : "; ") + c.line;
    v.up = v.up && (c.enough || c.full);
    v.full = v.full || c.full;
  }
  v.reals_online = static_cast<unsigned>(fewest);
  // What failed comes first: it is what the admin must act on.
  v.full = v.full && v.up;
  v.reason = failed.empty() ? passed : passed.empty() ? failed : failed + "; " + passed;
  if (v.full && v.up) v.reason += " (full: no free ports)";
  v.reason = boundedUtf8(v.reason, kMaxReasonBytes);
  return v;
}

}  // namespace gtm::monitor
