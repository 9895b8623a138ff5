#include "cluster/zone_serial.hpp"

#include <nlohmann/json.hpp>

#include "cluster/cluster_keys.hpp"

namespace gtm::cluster {

std::optional<SharedSerial> parseSharedSerial(std::string_view value, int64_t mod_revision) {
  if (value.size() > kMaxValueBytes) return std::nullopt;
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string() || !j.contains("serial") ||
      !j["serial"].is_number_unsigned() || j["serial"].get<uint64_t>() > UINT32_MAX)
    return std::nullopt;
  return SharedSerial{j["digest"].get<std::string>(), j["serial"].get<uint32_t>(), mod_revision};
}

std::string sharedSerialJson(const std::string& digest, uint32_t serial) {
  return nlohmann::json{{"digest", digest}, {"serial", serial}}.dump();
}

SerialStep serialStep(const std::optional<SharedSerial>& shared, const std::string& digest, uint32_t serial,
                      bool own_load) {
  if (shared && shared->digest == digest) return shared->serial == serial ? SerialStep::keep : SerialStep::adopt;
  return own_load ? SerialStep::publish : SerialStep::keep;
}

}  // namespace gtm::cluster
