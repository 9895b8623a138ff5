// Text safe inside HTML elements and attribute values (the status page's
// server-drawn parts carry names and reasons from configs and other
// machines).
#pragma once

#include <string>
#include <string_view>

namespace gtm {

[[nodiscard]] inline std::string htmlEscaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace gtm
