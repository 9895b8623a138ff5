#include "monitor/key_exchange.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <memory>

namespace gtm::monitor {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// Group 2 (MODP 1024, RFC 2409), which OpenSSL 3 offers no named key for:
// g^x mod p with a random x. RRAS without a custom IPsec policy wants it.
Result<std::vector<uint8_t>> modp1024Value() {
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> p(BN_get_rfc2409_prime_1024(nullptr), BN_free), x(BN_new(), BN_free),
      g(BN_new(), BN_free), y(BN_new(), BN_free);
  if (!ctx || !p || !x || !g || !y || BN_set_word(g.get(), 2) != 1 || BN_rand(x.get(), 256, 0, 0) != 1 ||
      BN_mod_exp(y.get(), g.get(), x.get(), p.get(), ctx.get()) != 1)
    return Error{"OpenSSL failed to make a value for group 2"};
  std::vector<uint8_t> out(128, 0);
  BN_bn2binpad(y.get(), out.data(), 128);
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> makeKeyExchangeValue(uint16_t group) {
  if (group == 2) return modp1024Value();
  const char* algorithm = group == 14 ? "DH" : "EC";
  const char* name = group == 14 ? "modp_2048" : group == 19 ? "P-256" : group == 20 ? "P-384" : nullptr;
  if (!name) return Error{"unsupported DH group " + std::to_string(group)};
  std::unique_ptr<EVP_PKEY_CTX, CtxDeleter> ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return Error{"OpenSSL cannot make keys for group " + std::to_string(group)};
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1)
    return Error{"OpenSSL failed to make a key for group " + std::to_string(group)};
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(raw);
  std::vector<uint8_t> out(1024);
  size_t len = 0;
  if (group == 14) {
    // The public value, big-endian, left-padded to the 256-byte modulus.
    BIGNUM* pub = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, &pub) != 1) return Error{"no DH public value"};
    out.assign(256, 0);
    BN_bn2binpad(pub, out.data(), 256);
    BN_free(pub);
    return out;
  }
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) != 1 ||
      len < 1 || out[0] != 0x04)
    return Error{"no EC public point"};
  // Uncompressed point 04|x|y; IKEv2 carries x|y.
  return std::vector<uint8_t>(out.begin() + 1, out.begin() + static_cast<long>(len));
}

}  // namespace gtm::monitor
