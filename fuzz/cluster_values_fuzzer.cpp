// libFuzzer target: what a node reads under its cluster's etcd prefix
// (anyone with access to the prefix writes there). The input is a key, a
// NUL byte and a value; it goes through the decoder of its key family, a
// view of the other nodes (put, then deleted) and the shared serial's
// parser. Nothing may throw, and what the view keeps must be fit to write
// as JSON (names, valid UTF-8).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cluster/cluster_keys.hpp"
#include "cluster/cluster_view.hpp"
#include "cluster/zone_serial.hpp"
#include "common/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view key = input.substr(0, nul);
  std::string_view value = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  using namespace gtm::cluster;
  (void)parseSharedSerial(value, 7);
  switch (keyFamily(key)) {
    case KeyFamily::admin:
      if (auto a = decodeAdmin(key, value, false))
        if (!gtm::validUtf8(a->name) || a->state.empty()) std::abort();
      (void)decodeAdmin(key, value, true);
      break;
    default:
      break;
  }
  ClusterView view("ns1");
  view.clear(1);
  (void)view.apply("nodes/ns2", "{}", 2, false);
  (void)view.apply(key, value, 3, false);
  nlohmann::json out = nlohmann::json::array();
  for (const NodeInfo& n : view.nodes()) out.push_back({n.name, n.config_digest, n.version, n.admin_digest});
  (void)out.dump();  // throws (and so aborts) on text that is not UTF-8
  if (key.starts_with("obs/") && key.size() > 8) {
    std::string_view rest = key.substr(4);
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
      std::string target(rest.substr(slash + 1));
      for (const auto& [node, state] : view.observations(target)) {
        if (!gtm::validUtf8(node) || !isTargetKey(target)) std::abort();
        (void)state;
      }
    }
  }
  (void)view.apply(key, value, 4, true);
  return 0;
}
