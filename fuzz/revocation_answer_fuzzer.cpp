// libFuzzer target: what a CRL distribution point or an OCSP responder
// sends back (bytes from another machine), judged for a certificate and
// its issuer made at start: a CRL (DER or PEM), also as a delta CRL, and
// an OCSP response.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "monitor/crl_verdict.hpp"
#include "monitor/ocsp_verdict.hpp"

namespace {

X509* makeCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  X509* c = X509_new();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c), 86400);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(c, key);
  X509_sign(c, issuer_key, EVP_sha256());
  return c;
}

struct Pki {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* leaf_key = EVP_EC_gen("P-256");
  X509* ca = makeCert("fuzz CA", ca_key, nullptr, ca_key, 1);
  X509* leaf = makeCert("vpn.example.com", leaf_key, ca, ca_key, 4096);
  X509_STORE* trust = X509_STORE_new();
  std::unique_ptr<gtm::monitor::OcspQuery> query;
  Pki() {
    X509_STORE_add_cert(trust, ca);
    query = gtm::monitor::OcspQuery::make(leaf, ca);
    if (!query) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Pki pki;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto now = std::chrono::system_clock::now();
  auto crl = gtm::monitor::judgeCrl(bytes, {pki.ca}, X509_get0_serialNumber(pki.leaf), now, std::chrono::hours(24),
                                    "http://pki.example.com/ca.crl");
  auto ocsp = gtm::monitor::judgeOcsp(bytes, *pki.query, nullptr, pki.trust, now, "http://ocsp.example.com/");
  // As a base CRL naming delta CRLs, and as a delta CRL for itself (the
  // signature taken as checked, so that the extensions are read).
  if (auto parsed = gtm::monitor::parseCrl(bytes)) {
    for (const std::string& url : gtm::monitor::freshestCrlPoints(parsed.get()))
      if (url.size() > size) std::abort();  // a URL comes out of the input
    auto delta = gtm::monitor::judgeDeltaCrl(parsed.get(), parsed.get(), {pki.ca}, X509_get0_serialNumber(pki.leaf),
                                             now, std::chrono::hours(24), "http://pki.example.com/delta.crl", true);
    if (delta.reason.empty()) std::abort();
  }
  // A verdict always says why; random bytes never pass as signed.
  if (crl.reason.empty() || ocsp.reason.empty()) std::abort();
  if (crl.status == gtm::monitor::CrlVerdict::Status::good || ocsp.status == gtm::monitor::OcspVerdict::Status::good)
    std::abort();
  return 0;
}
