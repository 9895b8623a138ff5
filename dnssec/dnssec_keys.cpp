#include "dnssec/dnssec_keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <strings.h>

#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

#include "common/base64.hpp"
#include "dns/name.hpp"
#include "dns/wire.hpp"

// After the C++ headers: ldns's C headers upset <optional>'s operator<=>.
#include <ldns/ldns.h>

namespace gtm::dns {
namespace {

struct RrFree {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using Rr = std::unique_ptr<ldns_rr, RrFree>;


// A .key file's DNSKEY record, read here rather than by ldns's zone-file
// parser (which a fuzzer crashed on odd bytes): the first line that is not
// blank or a comment (BIND's start with ';'), "OWNER [TTL] [IN] DNSKEY
// FLAGS PROTOCOL ALGORITHM BASE64...", a trailing comment cut.
struct Dnskey {
  std::string owner;  // wire, lower case
  uint16_t flags = 0;
  uint8_t protocol = 0, algorithm = 0;
  std::string public_key;
};

Result<Dnskey> readDnskey(const std::string& text) {
  size_t start = 0;
  for (int line = 1; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    std::string rr = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? text.size() : end + 1;
    if (size_t comment = rr.find(';'); comment != std::string::npos) rr.resize(comment);
    std::istringstream in(rr);
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    if (f.empty()) continue;
    auto bad = [&](const std::string& why) { return Error{"line " + std::to_string(line) + ": " + why}; };
    size_t i = 1;
    auto is = [&](const char* word) { return i < f.size() && strcasecmp(f[i].c_str(), word) == 0; };
    if (i < f.size() && !f[i].empty() && f[i].find_first_not_of("0123456789") == std::string::npos) ++i;  // TTL
    if (is("IN")) ++i;
    if (!is("DNSKEY")) return bad("not a DNSKEY record");
    ++i;
    if (f.size() < i + 4) return bad("a DNSKEY needs flags, protocol, algorithm and the key");
    auto number = [&](const std::string& w, unsigned max) -> std::optional<unsigned> {
      if (w.empty() || w.size() > 5 || w.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      unsigned v = static_cast<unsigned>(std::stoul(w));
      return v <= max ? std::optional<unsigned>(v) : std::nullopt;
    };
    auto flags = number(f[i], 65535), protocol = number(f[i + 1], 255), algorithm = number(f[i + 2], 255);
    if (!flags || !protocol || !algorithm) return bad("flags, protocol and algorithm must be numbers");
    std::string b64;
    for (size_t k = i + 3; k < f.size(); ++k) b64 += f[k];
    auto key = base64Decode(b64);
    if (!key) return bad("the public key is not base64");
    std::string owner = f[0];
    if (owner.back() != '.') return bad("the owner must be a full name, ending in '.'");
    auto wire = toWireName(owner, {});
    if (!wire) return bad(wire.error());
    return Dnskey{*wire, static_cast<uint16_t>(*flags), static_cast<uint8_t>(*protocol), static_cast<uint8_t>(*algorithm),
                  *key};
  }
  return Error{"holds no DNSKEY record"};
}

// A .private file as ldns-keygen and BIND write it, read here too: lines
// "Name: value" of printable ASCII; Private-key-format v1.x, the Algorithm
// number and the PrivateKey (base64). Returns the private key's bytes.
Result<std::string> readPrivateKey(const std::string& text, uint8_t algorithm) {
  bool format = false;
  std::optional<unsigned> alg;
  std::string key_b64;
  size_t start = 0;
  for (int line = 1; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    std::string l = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? text.size() : end + 1;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    for (char c : l)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
        return Error{"line " + std::to_string(line) + ": not printable text"};
    size_t colon = l.find(": ");
    if (l.empty() || colon == std::string::npos) continue;
    std::string name = l.substr(0, colon), value = l.substr(colon + 2);
    if (name == "Private-key-format") format = value.rfind("v1.", 0) == 0;
    if (name == "Algorithm") {
      size_t digits = value.find_first_not_of("0123456789");
      if (digits == 0 || digits > 3) return Error{"line " + std::to_string(line) + ": Algorithm is not a number"};
      alg = static_cast<unsigned>(std::stoul(value.substr(0, digits)));
    }
    if (name == "PrivateKey") key_b64 = value;
  }
  if (!format) return Error{"not a private key file (no \"Private-key-format: v1.x\")"};
  if (!alg || *alg != algorithm) return Error{"its algorithm is not the .key file's"};
  auto key = base64Decode(key_b64);
  // ldns-keygen writes an ECDSA scalar as its big-endian bytes without the
  // leading zeros (1 key in 256 has 31 bytes): padded back to 32. Ed25519's
  // seed is always 32 bytes.
  bool ecdsa = algorithm != LDNS_SIGN_ED25519;
  if (!key || key->empty() || key->size() > 32 || (!ecdsa && key->size() != 32))
    return Error{"PrivateKey is not 32 bytes of base64"};
  key->insert(0, 32 - key->size(), '\0');
  return *key;
}

// The key pair as OpenSSL holds it, and its public key in DNSKEY form
// (Ed25519: the 32 bytes; ECDSA P-256: X and Y, 64 bytes).
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Result<Pkey> keyPair(const std::string& private_key, uint8_t algorithm, std::string& public_key) {
  const auto* priv = reinterpret_cast<const unsigned char*>(private_key.data());
  if (algorithm == LDNS_SIGN_ED25519) {
    Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv, private_key.size()));
    size_t n = 32;
    public_key.assign(32, '\0');
    if (!k || EVP_PKEY_get_raw_public_key(k.get(), reinterpret_cast<unsigned char*>(public_key.data()), &n) != 1)
      return Error{"not an Ed25519 private key"};
    return k;
  }
  // ECDSA P-256: the public point is the private scalar times the generator.
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1),
                                                             EC_GROUP_free);
  std::unique_ptr<BIGNUM, decltype(&BN_clear_free)> d(BN_bin2bn(priv, static_cast<int>(private_key.size()), nullptr),
                                                      BN_clear_free);
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> q(group ? EC_POINT_new(group.get()) : nullptr, EC_POINT_free);
  unsigned char point[65];
  if (!group || !d || !q || BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0 ||
      EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, nullptr) != 65)
    return Error{"not an ECDSA P-256 private key"};
  public_key.assign(reinterpret_cast<const char*>(point + 1), 64);
  char curve[] = "prime256v1";
  unsigned char native[32];  // OSSL_PARAM_construct_BN takes the number in native byte order
  BN_bn2nativepad(d.get(), native, sizeof native);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, curve, 0),
                         OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native, sizeof native),
                         OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
                         OSSL_PARAM_construct_end()};
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr),
                                                                  EVP_PKEY_CTX_free);
  EVP_PKEY* k = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_KEYPAIR, params) != 1)
    return Error{"not an ECDSA P-256 private key"};
  return Pkey(k);
}

}  // namespace

Result<ZoneKey> loadZoneKey(const config::DnssecKey& k, std::string_view origin_wire) {
  ZoneKey out;
  out.path = k.path;
  out.publish_only = k.publish_only;
  auto pub = readDnskey(k.public_text);
  if (!pub) return Error{k.path + ".key: " + pub.error()};
  if (pub->owner != origin_wire) return Error{k.path + ".key: the DNSKEY is not for this zone"};
  out.algorithm = pub->algorithm;
  if (out.algorithm != LDNS_SIGN_ECDSAP256SHA256 && out.algorithm != LDNS_SIGN_ED25519)
    return Error{k.path + ".key: algorithm " + std::to_string(out.algorithm) +
                 " is not supported (13, ECDSAP256SHA256, or 15, ED25519)"};
  if (!(pub->flags & LDNS_KEY_ZONE_KEY) || pub->protocol != 3)
    return Error{k.path + ".key: not a zone key (flags " + std::to_string(pub->flags) + ", protocol " +
                 std::to_string(pub->protocol) + ")"};
  out.sep = (pub->flags & LDNS_KEY_SEP_KEY) != 0;
  std::string rdata(4, '\0');
  writeU16(reinterpret_cast<uint8_t*>(rdata.data()), pub->flags);
  rdata[2] = static_cast<char>(pub->protocol);
  rdata[3] = static_cast<char>(pub->algorithm);
  rdata += pub->public_key;
  if (rdata.size() > 65535) return Error{k.path + ".key: the key is too long"};
  out.tag = ldns_calc_keytag_raw(reinterpret_cast<const uint8_t*>(rdata.data()), rdata.size());
  out.dnskey.assign(10, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.dnskey.data());
  writeU16(p, 48);  // DNSKEY
  writeU16(p + 2, kClassIn);
  writeU32(p + 4, 3600);
  writeU16(p + 8, static_cast<uint16_t>(rdata.size()));
  out.dnskey += rdata;

  auto secret = readPrivateKey(k.private_text, out.algorithm);
  if (!secret) return Error{k.path + ".private: " + secret.error()};
  std::string derived;
  auto pkey = keyPair(*secret, out.algorithm, derived);
  if (!pkey) return Error{k.path + ".private: " + pkey.error()};
  // The private key must be the public key's.
  if (derived != pub->public_key)
    return Error{k.path + ".private: does not match the public key in " + k.path + ".key"};
  ldns_key* key = ldns_key_new();
  if (!key) return Error{k.path + ": out of memory"};
  out.key = std::shared_ptr<ldns_key>(key, ldns_key_deep_free);
  ldns_key_set_algorithm(key, static_cast<ldns_signing_algorithm>(out.algorithm));
  ldns_key_set_evp_key(key, pkey->release());  // ldns frees it with the key
  ldns_key_set_flags(key, pub->flags);
  ldns_key_set_use(key, true);
  ldns_rdf* owner = nullptr;
  size_t pos = 0;
  if (ldns_wire2dname(&owner, reinterpret_cast<const uint8_t*>(pub->owner.data()), pub->owner.size(), &pos) !=
      LDNS_STATUS_OK)
    return Error{k.path + ".key: the owner"};
  ldns_key_set_pubkey_owner(key, owner);
  ldns_key_set_keytag(key, out.tag);
  return out;
}

std::string dsRecord(const ZoneKey& k, std::string_view origin_wire, uint32_t ttl) {
  std::string wire(origin_wire);
  wire += k.dnskey;
  size_t pos = 0;
  ldns_rr* key_rr = nullptr;
  if (ldns_wire2rr(&key_rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos, LDNS_SECTION_ANSWER) !=
      LDNS_STATUS_OK)
    return "";
  Rr key(key_rr);
  Rr ds(ldns_key_rr2ds(key.get(), LDNS_SHA256));
  if (!ds) return "";
  ldns_rr_set_ttl(ds.get(), ttl);
  char* text = ldns_rr2str(ds.get());
  std::string out = text ? text : "";
  free(text);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace gtm::dns
