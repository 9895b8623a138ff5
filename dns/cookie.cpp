#include "dns/cookie.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

#include "dns/wire.hpp"

namespace gtm::dns {

CookieSigner::CookieSigner(const CookieSecret& secret) : secret_(secret) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  if (!mac) throw std::runtime_error("OpenSSL has no SipHash");
  ctx_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  if (!ctx_) throw std::runtime_error("cannot create a SipHash context");
  size_t size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(ctx_, params) != 1) throw std::runtime_error("cannot set the SipHash size");
}

CookieSigner::~CookieSigner() { EVP_MAC_CTX_free(ctx_); }

void CookieSigner::hash(std::span<const uint8_t, 8> client_cookie, const uint8_t header[8],
                        const IpAddress& client, uint8_t out[8]) {
  size_t out_len = 0;
  EVP_MAC_init(ctx_, secret_.data(), secret_.size(), nullptr);
  EVP_MAC_update(ctx_, client_cookie.data(), 8);
  EVP_MAC_update(ctx_, header, 8);
  auto ip = client.span();
  EVP_MAC_update(ctx_, ip.data(), ip.size());
  EVP_MAC_final(ctx_, out, &out_len, 8);
}

void CookieSigner::sign(std::span<const uint8_t, 8> client_cookie, const IpAddress& client, uint32_t now,
                        std::span<uint8_t, kServerCookieSize> out) {
  out[0] = 1;  // version
  out[1] = out[2] = out[3] = 0;
  writeU32(&out[4], now);
  hash(client_cookie, out.data(), client, &out[8]);
}

bool CookieSigner::verify(std::span<const uint8_t> cookie, const IpAddress& client, uint32_t now) {
  if (cookie.size() != 8 + kServerCookieSize) return false;
  const uint8_t* server = cookie.data() + 8;
  if (server[0] != 1) return false;
  uint32_t stamp = readU32(server + 4);
  // Serial-number arithmetic on the 32-bit timestamp.
  auto age = static_cast<int32_t>(now - stamp);
  if (age > 3600 || age < -300) return false;
  uint8_t expect[8];
  hash(std::span<const uint8_t, 8>(cookie.data(), 8), server, client, expect);
  return std::memcmp(expect, server + 8, 8) == 0;
}

CookieSecret randomCookieSecret() {
  CookieSecret s{};
  if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1) throw std::runtime_error("no random bytes");
  return s;
}

}  // namespace gtm::dns
