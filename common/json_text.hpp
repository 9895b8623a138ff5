// JSON text of a document that may hold strings from other machines (a
// balancer's reasons, names read from etcd): bytes that are not UTF-8
// become U+FFFD instead of making nlohmann::json throw.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace gtm {

[[nodiscard]] inline std::string jsonText(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace gtm
