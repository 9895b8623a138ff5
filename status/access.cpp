#include "status/access.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace gtm::status {
namespace {

// Compares without leaking through timing how much of the token matched.
bool sameSecret(const std::string& given, const std::string& secret) {
  return given.size() == secret.size() && CRYPTO_memcmp(given.data(), secret.data(), secret.size()) == 0;
}

}  // namespace

const config::StatusToken* Access::withSecret(const std::string& secret) const {
  const config::StatusToken* found = nullptr;
  // Every token compared, so the time does not say which one matched.
  for (const config::StatusToken& t : tokens)
    if (!t.secret.empty() && sameSecret(secret, t.secret) && !found) found = &t;
  return found;
}

const config::StatusToken* Access::bearer(const std::string& authorization) const {
  if (authorization.rfind("Bearer ", 0) != 0) return nullptr;
  return withSecret(authorization.substr(7));
}

std::string Sessions::open(const config::StatusToken& token) {
  unsigned char random[24];
  if (RAND_bytes(random, sizeof random) != 1) return "";
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : random) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires <= now; });
  while (sessions_.size() >= kMaxSessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.expires < oldest->second.expires) oldest = it;
    sessions_.erase(oldest);
  }
  sessions_[id] = {token.name, token.secret, now + kLifetime};
  return id;
}

const config::StatusToken* Sessions::find(const std::string& cookie_header, const Access& access) {
  // Cookie: a=b; gtm_session=ID; c=d
  std::string wanted = std::string(kCookie) + "=";
  size_t at = 0;
  std::string id;
  while (at < cookie_header.size()) {
    size_t end = cookie_header.find(';', at);
    if (end == std::string::npos) end = cookie_header.size();
    std::string pair = cookie_header.substr(at, end - at);
    size_t lead = pair.find_first_not_of(' ');
    if (lead != std::string::npos && pair.compare(lead, wanted.size(), wanted) == 0) id = pair.substr(lead + wanted.size());
    at = end + 1;
  }
  if (id.size() != 48) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  if (it->second.expires <= std::chrono::steady_clock::now()) {
    sessions_.erase(it);
    return nullptr;
  }
  for (const config::StatusToken& t : access.tokens)
    if (t.name == it->second.name && sameSecret(t.secret, it->second.secret)) return &t;
  sessions_.erase(it);  // the token was removed or rotated
  return nullptr;
}

}  // namespace gtm::status
