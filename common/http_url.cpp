#include "common/http_url.hpp"

#include <charconv>

namespace gtm {

std::string HttpUrl::hostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

Result<HttpUrl> parseHttpUrl(std::string_view text, uint16_t default_port) {
  auto bad = [&](const std::string& why) { return Error{"\"" + std::string(text) + "\" " + why}; };
  HttpUrl url;
  std::string_view rest = text;
  if (rest.substr(0, 8) == "https://") {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else {
    return bad("is not an http:// or https:// URL");
  }
  if (rest.find_first_of(" \t\r\n") != std::string_view::npos) return bad("holds spaces or line breaks");
  // A URL can come from another machine (a certificate's distribution
  // point): nothing that could end or bend the request line.
  for (char c : rest)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{"a URL holds a control character"};
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) return bad("holds user information");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed '['");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("has text after ']'");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return bad("has no host");
  url.port = default_port;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return bad("has a port that is not 1-65535");
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

}  // namespace gtm
