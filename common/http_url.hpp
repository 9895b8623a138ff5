// "http://host:port/path" and "https://[v6]:port/path", as written in the
// config (etcd's endpoints, a gtm-lb monitor's balancer). No user info,
// query strings are kept in the path, no percent-decoding: these URLs name
// a server and a path, nothing more.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gtm {

struct HttpUrl {
  bool tls = false;     // https
  std::string host;     // without the brackets of an IPv6 literal
  uint16_t port = 0;    // as written, else default_port
  std::string path = "/";

  // The Host header's value: the host, bracketed for IPv6, with the port
  // when it is not the scheme's own.
  [[nodiscard]] std::string hostHeader() const;
};

[[nodiscard]] Result<HttpUrl> parseHttpUrl(std::string_view text, uint16_t default_port);

}  // namespace gtm
