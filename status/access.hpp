// Who is asking the status server: a named token (bearer header, or the
// session cookie the page's login form sets) with its role. Operators may
// control; viewers may read when reading needs a token ([status] read =
// "token"). Tokens are compared in constant time; sessions end after 12
// hours or when their token leaves the config.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace gtm::status {

struct Access {
  std::vector<config::StatusToken> tokens;
  bool read_needs_token = false;
  [[nodiscard]] static Access from(const config::StatusSettings& s) { return {s.tokens, s.read_needs_token}; }
  // The token a bearer header names, if any.
  [[nodiscard]] const config::StatusToken* bearer(const std::string& authorization) const;
  [[nodiscard]] const config::StatusToken* withSecret(const std::string& secret) const;
};

// Login sessions of the page (a random id in an HttpOnly, SameSite=Strict
// cookie), at most kMaxSessions, the oldest forgotten first.
class Sessions {
 public:
  static constexpr size_t kMaxSessions = 1000;
  static constexpr std::chrono::hours kLifetime{12};
  static constexpr const char* kCookie = "gtm_session";
  // A new session for a token: the cookie's value.
  [[nodiscard]] std::string open(const config::StatusToken& token);
  // The token of the session the Cookie header names, while that token is
  // still configured with the same secret.
  [[nodiscard]] const config::StatusToken* find(const std::string& cookie_header, const Access& access);

 private:
  struct Session {
    std::string name, secret;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

}  // namespace gtm::status
