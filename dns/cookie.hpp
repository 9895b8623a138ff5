// DNS Cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
// Version 1 | Reserved | Timestamp | SipHash-2-4(client cookie | version |
// reserved | timestamp | client address). One CookieSigner per thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "common/ip_address.hpp"

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace gtm::dns {

using CookieSecret = std::array<uint8_t, 16>;

class CookieSigner {
 public:
  explicit CookieSigner(const CookieSecret& secret);
  ~CookieSigner();
  CookieSigner(const CookieSigner&) = delete;
  CookieSigner& operator=(const CookieSigner&) = delete;

  static constexpr size_t kServerCookieSize = 16;

  // Writes the 16-byte server cookie for this client cookie and address.
  void sign(std::span<const uint8_t, 8> client_cookie, const IpAddress& client, uint32_t now,
            std::span<uint8_t, kServerCookieSize> out);

  // True when the server cookie was made by us for this client within the
  // last hour (and not more than 5 minutes ahead), RFC 9018 section 4.3.
  [[nodiscard]] bool verify(std::span<const uint8_t> cookie, const IpAddress& client, uint32_t now);

 private:
  void hash(std::span<const uint8_t, 8> client_cookie, const uint8_t header[8], const IpAddress& client,
            uint8_t out[8]);

  CookieSecret secret_;
  EVP_MAC_CTX* ctx_ = nullptr;
};

[[nodiscard]] CookieSecret randomCookieSecret();

}  // namespace gtm::dns
