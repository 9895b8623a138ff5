#include "xfr/tsig.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <memory>

#include "dns/name.hpp"
#include "dns/wire.hpp"
#include "xfr/message_reader.hpp"

namespace gtm::xfr {
namespace {

constexpr uint16_t kFudge = 300;  // seconds, as RFC 8945 recommends

const char* digestName(config::TsigKey::Algorithm a) {
  switch (a) {
    case config::TsigKey::Algorithm::hmac_sha256: return "SHA256";
    case config::TsigKey::Algorithm::hmac_sha384: return "SHA384";
    case config::TsigKey::Algorithm::hmac_sha512: return "SHA512";
  }
  return "SHA256";
}

const char* algorithmName(config::TsigKey::Algorithm a) {
  switch (a) {
    case config::TsigKey::Algorithm::hmac_sha256: return "hmac-sha256.";
    case config::TsigKey::Algorithm::hmac_sha384: return "hmac-sha384.";
    case config::TsigKey::Algorithm::hmac_sha512: return "hmac-sha512.";
  }
  return "hmac-sha256.";
}

void putU16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void putTime(std::string& out, uint64_t t) {
  for (int shift = 40; shift >= 0; shift -= 8) out += static_cast<char>(t >> shift);
}

// The TSIG variables (RFC 8945 4.3.3); `timers_only` for the second and
// later messages of a response.
std::string variables(const std::string& key_name, const std::string& algorithm, uint64_t time, uint16_t fudge,
                      uint16_t error, const std::string& other, bool timers_only = false) {
  std::string v;
  if (!timers_only) {
    v += key_name;
    putU16(v, dns::kClassAny);
    v.append(4, '\0');  // TTL
    v += algorithm;
  }
  putTime(v, time);
  putU16(v, fudge);
  if (timers_only) return v;
  putU16(v, error);
  putU16(v, static_cast<uint16_t>(other.size()));
  v += other;
  return v;
}

// Appends a TSIG record to `message` and counts it in ARCOUNT.
void appendRecord(std::string& message, const std::string& key_name, const std::string& algorithm, uint64_t time,
                  const std::string& mac, uint16_t original_id, uint16_t error, const std::string& other) {
  std::string rdata = algorithm;
  putTime(rdata, time);
  putU16(rdata, kFudge);
  putU16(rdata, static_cast<uint16_t>(mac.size()));
  rdata += mac;
  putU16(rdata, original_id);
  putU16(rdata, error);
  putU16(rdata, static_cast<uint16_t>(other.size()));
  rdata += other;
  message += key_name;
  putU16(message, dns::type::TSIG);
  putU16(message, dns::kClassAny);
  message.append(4, '\0');
  putU16(message, static_cast<uint16_t>(rdata.size()));
  message += rdata;
  auto* p = reinterpret_cast<uint8_t*>(message.data());
  dns::writeU16(p + 10, static_cast<uint16_t>(dns::readU16(p + 10) + 1));
}

std::string macPrefix(const std::string& mac) {
  std::string out;
  putU16(out, static_cast<uint16_t>(mac.size()));
  return out + mac;
}

}  // namespace

std::vector<TsigKey> tsigKeys(const std::vector<config::TsigKey>& configured) {
  std::vector<TsigKey> out;
  for (const config::TsigKey& c : configured) {
    auto wire = dns::toWireName(c.name.back() == '.' ? c.name : c.name + ".", {});
    if (!wire) continue;  // the loader checked the name
    TsigKey k;
    k.name = c.name;
    k.name_wire = *wire;
    k.algorithm = c.algorithm;
    k.algorithm_wire = *dns::toWireName(algorithmName(c.algorithm), {});
    k.secret = c.secret;
    out.push_back(std::move(k));
  }
  return out;
}

std::string hmac(const TsigKey& key, std::span<const std::string_view> parts) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr), EVP_MAC_free);
  if (!mac) return {};
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(mac.get()), EVP_MAC_CTX_free);
  if (!ctx) return {};
  char digest[16];
  std::snprintf(digest, sizeof digest, "%s", digestName(key.algorithm));
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
  bool ok = EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.secret.data()), key.secret.size(),
                         params) == 1;
  for (std::string_view part : parts)
    ok = ok && EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
  std::string out(EVP_MAX_MD_SIZE, '\0');
  size_t size = 0;
  ok = ok && EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, out.size()) == 1;
  if (!ok) return {};
  out.resize(size);
  return out;
}

TsigCheck checkRequest(std::span<const uint8_t> message, std::span<const TsigKey> keys, uint64_t now) {
  TsigCheck c;
  auto m = readMessage(message);
  if (!m) return c;
  for (size_t i = 0; i < m->additional.size(); ++i) {
    if (m->additional[i].type != dns::type::TSIG) continue;
    c.present = true;
    if (i + 1 != m->additional.size()) c.malformed = true;  // RFC 8945 5.1: the last record only
  }
  for (const auto* section : {&m->answer, &m->authority})
    for (const RecordAt& r : *section)
      if (r.type == dns::type::TSIG) c.present = c.malformed = true;
  if (!c.present || c.malformed) return c;
  const RecordAt& t = m->additional.back();
  c.malformed = true;
  if (t.cls != dns::kClassAny || t.ttl != 0) return c;
  c.key_name_wire = t.owner;
  auto algorithm = readName(message, t.rdata);
  size_t end = t.rdata + t.rdlength;
  if (!algorithm || algorithm->second + 10 > end) return c;
  c.algorithm_wire = algorithm->first;
  const uint8_t* p = message.data() + algorithm->second;
  c.time_signed = (uint64_t{dns::readU16(p)} << 32) | dns::readU32(p + 2);
  c.fudge = dns::readU16(p + 6);
  uint16_t mac_size = dns::readU16(p + 8);
  size_t at = algorithm->second + 10;
  if (at + mac_size + 6 > end) return c;
  c.mac.assign(reinterpret_cast<const char*>(message.data() + at), mac_size);
  at += mac_size;
  c.original_id = dns::readU16(message.data() + at);
  uint16_t request_error = dns::readU16(message.data() + at + 2);
  uint16_t other_size = dns::readU16(message.data() + at + 4);
  if (at + 6 + other_size != end) return c;
  std::string other(reinterpret_cast<const char*>(message.data() + at + 6), other_size);
  c.malformed = false;
  c.unsigned_size = t.start;

  for (const TsigKey& k : keys)
    if (k.name_wire == c.key_name_wire && k.algorithm_wire == c.algorithm_wire) c.key = &k;
  if (!c.key) {
    c.error = tsig_error::BADKEY;
    return c;
  }
  // The request as it was signed: without its TSIG record, with the
  // original ID.
  std::string signed_part(reinterpret_cast<const char*>(message.data()), c.unsigned_size);
  auto* h = reinterpret_cast<uint8_t*>(signed_part.data());
  dns::writeU16(h, c.original_id);
  dns::writeU16(h + 10, static_cast<uint16_t>(dns::readU16(h + 10) - 1));
  std::string vars = variables(c.key_name_wire, c.algorithm_wire, c.time_signed, c.fudge, request_error, other);
  std::string_view parts[] = {signed_part, vars};
  std::string expected = hmac(*c.key, parts);
  if (expected.empty() || c.mac.size() != expected.size() ||
      CRYPTO_memcmp(c.mac.data(), expected.data(), expected.size()) != 0) {
    c.error = tsig_error::BADSIG;
    return c;
  }
  uint64_t skew = now > c.time_signed ? now - c.time_signed : c.time_signed - now;
  if (skew > c.fudge) c.error = tsig_error::BADTIME;
  return c;
}

ResponseSigner::ResponseSigner(const TsigCheck& request) : request_(request) {}

void ResponseSigner::sign(std::string& message, uint64_t now) {
  const TsigCheck& r = request_;
  if (r.error == tsig_error::BADKEY || r.error == tsig_error::BADSIG || !r.key) {
    appendRecord(message, r.key_name_wire, r.algorithm_wire, now, "", r.original_id, r.error, "");
    return;
  }
  std::string other;
  if (r.error == tsig_error::BADTIME) putTime(other, now);
  std::string prefix = macPrefix(first_ ? r.mac : prior_mac_);
  std::string vars = first_ ? variables(r.key_name_wire, r.algorithm_wire, now, kFudge, r.error, other)
                            : variables({}, {}, now, kFudge, 0, {}, true);
  std::string_view parts[] = {prefix, message, vars};
  std::string mac = hmac(*r.key, parts);
  appendRecord(message, r.key_name_wire, r.algorithm_wire, now, mac, r.original_id, r.error, other);
  prior_mac_ = std::move(mac);
  first_ = false;
}

std::string signRequest(std::string& message, const TsigKey& key, uint64_t now) {
  std::string vars = variables(key.name_wire, key.algorithm_wire, now, kFudge, 0, "");
  std::string_view parts[] = {message, vars};
  std::string mac = hmac(key, parts);
  uint16_t id = dns::readU16(reinterpret_cast<const uint8_t*>(message.data()));
  appendRecord(message, key.name_wire, key.algorithm_wire, now, mac, id, 0, "");
  return mac;
}

}  // namespace gtm::xfr
