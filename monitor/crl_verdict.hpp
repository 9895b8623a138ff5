// What a certificate revocation list says, judged as Windows judges it
// when it checks a certificate (CertGetCertificateChain with revocation
// checking): the CRL must parse (DER or PEM), be issued and signed by the
// certificate's issuer, be current (thisUpdate <= now < nextUpdate), and
// not list the certificate's serial. Each failure is a reason an admin acts
// on. The bytes come from another machine: bounded (kMaxCrlBytes) and
// parsed by OpenSSL alone.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gtm::monitor {

inline constexpr size_t kMaxCrlBytes = 10 * 1024 * 1024;

struct CrlVerdict {
  enum class Status {
    good,           // current, signed by the issuer, the serial not listed (or none asked)
    revoked,        // the serial is listed
    expired,        // now >= nextUpdate: Windows fails with 0x80092013
    not_yet_valid,  // thisUpdate in the future
    bad_signature,  // not signed by the issuer's key, or another issuer's CRL
    unreadable,     // not a CRL, or too large
  };
  Status status = Status::unreadable;
  std::string reason;  // "CRL http://... expired 2 h ago (nextUpdate 2026-12-02T01:00:00Z)"
  bool expiring = false;  // good, but nextUpdate within the warning time
  std::optional<std::chrono::system_clock::time_point> this_update, next_update, revoked_at;
  // Seconds until nextUpdate (negative once past); nullopt without one.
  [[nodiscard]] std::optional<double> secondsLeft(std::chrono::system_clock::time_point now) const;
};

struct CrlFree {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
using CrlHandle = std::unique_ptr<X509_CRL, CrlFree>;

// DER or PEM; null when it is neither (or larger than kMaxCrlBytes).
[[nodiscard]] CrlHandle parseCrl(std::string_view bytes);

// `issuers`: the certificates that may have issued it (the CA's, from
// ca_file); `serial`: the certificate to look up, or null. `url` names the
// CRL in reasons.
[[nodiscard]] CrlVerdict judgeCrl(std::string_view bytes, const std::vector<X509*>& issuers, const ASN1_INTEGER* serial,
                                  std::chrono::system_clock::time_point now, std::chrono::hours warn,
                                  const std::string& url);
// The same for a CRL parsed before (kept between probes). With
// `signature_checked` the issuer's signature is known good (verified with
// this issuer's key when the CRL was first judged) and not verified again.
[[nodiscard]] CrlVerdict judgeCrl(const X509_CRL* crl, const std::vector<X509*>& issuers, const ASN1_INTEGER* serial,
                                  std::chrono::system_clock::time_point now, std::chrono::hours warn,
                                  const std::string& url, bool signature_checked = false);

// A delta CRL (RFC 5280 5.2.4; what AD CS publishes beside each base CRL
// by default, and Windows reads whenever the base CRL names one in its
// Freshest CRL extension): judged as above, and it must carry a Delta CRL
// Indicator whose base CRL number the `base` CRL held reaches. A serial
// listed with reason removeFromCRL is not revoked. It expires soon by design
// (AD CS: a day): it warns when less than a quarter of its validity, and
// less than `warn`, is left.
[[nodiscard]] CrlVerdict judgeDeltaCrl(const X509_CRL* delta, const X509_CRL* base, const std::vector<X509*>& issuers,
                                       const ASN1_INTEGER* serial, std::chrono::system_clock::time_point now,
                                       std::chrono::hours warn, const std::string& url, bool signature_checked = false);

// The URIs in a certificate's CRL Distribution Points and in a base CRL's
// Freshest CRL extension (where its delta CRLs are), full names only.
[[nodiscard]] std::vector<std::string> crlDistributionPoints(X509* cert);
[[nodiscard]] std::vector<std::string> freshestCrlPoints(const X509_CRL* crl);

// An ASN.1 time (UTCTime or GeneralizedTime) as a time point.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> asn1TimePoint(const ASN1_TIME* t);

// "2026-12-02T01:00:00Z"; "2 h", "3 d", "45 min" for a span.
[[nodiscard]] std::string utcText(std::chrono::system_clock::time_point t);
[[nodiscard]] std::string spanText(std::chrono::seconds s);

}  // namespace gtm::monitor
