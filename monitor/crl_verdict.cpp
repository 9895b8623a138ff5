#include "monitor/crl_verdict.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>

namespace gtm::monitor {
namespace {

using Clock = std::chrono::system_clock;

std::vector<std::string> uris(STACK_OF(DIST_POINT)* points) {
  std::vector<std::string> out;
  if (!points) return out;
  for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
    DIST_POINT* dp = sk_DIST_POINT_value(points, i);
    if (!dp->distpoint || dp->distpoint->type != 0) continue;
    GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
      if (gn->type != GEN_URI) continue;
      const ASN1_IA5STRING* uri = gn->d.uniformResourceIdentifier;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                       static_cast<size_t>(ASN1_STRING_length(uri)));
    }
  }
  sk_DIST_POINT_pop_free(points, DIST_POINT_free);
  return out;
}

struct IntegerFree {
  void operator()(ASN1_INTEGER* i) const { ASN1_INTEGER_free(i); }
};
using IntegerHandle = std::unique_ptr<ASN1_INTEGER, IntegerFree>;

std::string integerText(const ASN1_INTEGER* i) {
  long v = ASN1_INTEGER_get(i);
  return v >= 0 ? std::to_string(v) : "(a large number)";
}

CrlVerdict judgeList(const X509_CRL* crl, const std::vector<X509*>& issuers, const ASN1_INTEGER* serial,
                     Clock::time_point now, std::chrono::hours warn, const std::string& what, bool signature_checked);

}  // namespace

std::vector<std::string> crlDistributionPoints(X509* cert) {
  return uris(static_cast<STACK_OF(DIST_POINT)*>(X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr)));
}

std::vector<std::string> freshestCrlPoints(const X509_CRL* crl) {
  return uris(static_cast<STACK_OF(DIST_POINT)*>(
      X509_CRL_get_ext_d2i(const_cast<X509_CRL*>(crl), NID_freshest_crl, nullptr, nullptr)));
}

std::optional<Clock::time_point> asn1TimePoint(const ASN1_TIME* t) {
  if (!t) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return Clock::from_time_t(timegm(&tm));
}

CrlHandle parseCrl(std::string_view bytes) {
  if (bytes.size() > kMaxCrlBytes) return nullptr;
  const bool pem = bytes.find("-----BEGIN X509 CRL-----") != std::string_view::npos;
  if (pem) {
    BIO* bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
    if (!bio) return nullptr;
    X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return std::unique_ptr<X509_CRL, CrlFree>(crl);
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size()));
  return std::unique_ptr<X509_CRL, CrlFree>(crl);
}

std::string utcText(Clock::time_point t) {
  std::time_t secs = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string spanText(std::chrono::seconds s) {
  long long n = std::llabs(static_cast<long long>(s.count()));
  if (n >= 2 * 86400) return std::to_string(n / 86400) + " d";
  if (n >= 2 * 3600) return std::to_string(n / 3600) + " h";
  if (n >= 120) return std::to_string(n / 60) + " min";
  return std::to_string(n) + " s";
}

std::optional<double> CrlVerdict::secondsLeft(Clock::time_point now) const {
  if (!next_update) return std::nullopt;
  return std::chrono::duration<double>(*next_update - now).count();
}

CrlVerdict judgeCrl(std::string_view bytes, const std::vector<X509*>& issuers, const ASN1_INTEGER* serial,
                    Clock::time_point now, std::chrono::hours warn, const std::string& url) {
  CrlVerdict v;
  const std::string what = "CRL " + url;
  if (bytes.size() > kMaxCrlBytes) {
    v.reason = what + " is larger than " + std::to_string(kMaxCrlBytes >> 20) + " MiB: not read";
    return v;
  }
  auto crl = parseCrl(bytes);
  if (!crl) {
    v.reason = what + " is not a CRL (neither DER nor PEM)";
    return v;
  }
  return judgeCrl(crl.get(), issuers, serial, now, warn, url);
}

CrlVerdict judgeCrl(const X509_CRL* crl, const std::vector<X509*>& issuers, const ASN1_INTEGER* serial,
                    Clock::time_point now, std::chrono::hours warn, const std::string& url, bool signature_checked) {
  return judgeList(crl, issuers, serial, now, warn, "CRL " + url, signature_checked);
}

CrlVerdict judgeDeltaCrl(const X509_CRL* delta_in, const X509_CRL* base_in, const std::vector<X509*>& issuers,
                         const ASN1_INTEGER* serial, Clock::time_point now, std::chrono::hours warn,
                         const std::string& url, bool signature_checked) {
  using S = CrlVerdict::Status;
  const std::string what = "delta CRL " + url;
  X509_CRL* delta = const_cast<X509_CRL*>(delta_in);
  X509_CRL* base = const_cast<X509_CRL*>(base_in);
  // A quarter of its validity, when that is less than `warn`.
  auto this_update = asn1TimePoint(X509_CRL_get0_lastUpdate(delta));
  auto next_update = asn1TimePoint(X509_CRL_get0_nextUpdate(delta));
  if (this_update && next_update && *next_update > *this_update)
    warn = std::min(warn, std::chrono::duration_cast<std::chrono::hours>((*next_update - *this_update) / 4));
  CrlVerdict v = judgeList(delta, issuers, serial, now, warn, what, signature_checked);
  if (v.status != S::good && v.status != S::revoked) return v;
  IntegerHandle needs(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(delta, NID_delta_crl, nullptr, nullptr)));
  IntegerHandle has(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(base, NID_crl_number, nullptr, nullptr)));
  CrlVerdict failed;
  failed.this_update = v.this_update, failed.next_update = v.next_update;
  if (!needs) {
    failed.reason = what + " is not a delta CRL (no Delta CRL Indicator)";
    return failed;
  }
  if (!has || ASN1_INTEGER_cmp(has.get(), needs.get()) < 0) {
    failed.reason = what + " applies to base CRL number " + integerText(needs.get()) + " or later; the base CRL read is " +
                    (has ? "number " + integerText(has.get()) : std::string("without a number")) +
                    " (read again at its refresh)";
    return failed;
  }
  return v;
}

namespace {

CrlVerdict judgeList(const X509_CRL* crl_in, const std::vector<X509*>& issuers, const ASN1_INTEGER* serial,
                     Clock::time_point now, std::chrono::hours warn, const std::string& what, bool signature_checked) {
  using S = CrlVerdict::Status;
  CrlVerdict v;
  // OpenSSL 3.0's getters take a non-const CRL; none of them changes it.
  X509_CRL* crl = const_cast<X509_CRL*>(crl_in);
  v.this_update = asn1TimePoint(X509_CRL_get0_lastUpdate(crl));
  v.next_update = asn1TimePoint(X509_CRL_get0_nextUpdate(crl));
  // Issued and signed by one of the issuers.
  X509* issuer = nullptr;
  for (X509* c : issuers)
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(c)) == 0) issuer = c;
  if (!issuer) {
    v.status = S::bad_signature;
    char name[256];
    X509_NAME_oneline(X509_CRL_get_issuer(crl), name, sizeof name);
    v.reason = what + " is issued by " + name + ", not by the certificate's issuer";
    return v;
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  if (!key || (!signature_checked && X509_CRL_verify(crl, key) != 1)) {
    v.status = S::bad_signature;
    v.reason = what + " is not signed by its issuer's key (a forged or corrupted CRL)";
    return v;
  }
  if (!v.this_update) {
    v.reason = what + " has no readable thisUpdate";
    return v;
  }
  if (*v.this_update > now) {
    v.status = S::not_yet_valid;
    v.reason = what + " is not valid before " + utcText(*v.this_update) + " (thisUpdate; check this server's clock)";
    return v;
  }
  if (v.next_update && now >= *v.next_update) {
    v.status = S::expired;
    v.reason = what + " expired " +
               spanText(std::chrono::duration_cast<std::chrono::seconds>(now - *v.next_update)) + " ago (nextUpdate " +
               utcText(*v.next_update) + "): Windows clients fail with 0x80092013";
    return v;
  }
  if (serial) {
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_serial(crl, &entry, serial) == 1 && entry) {
      v.status = S::revoked;
      v.revoked_at = asn1TimePoint(X509_REVOKED_get0_revocationDate(entry));
      v.reason = "certificate revoked" + (v.revoked_at ? " at " + utcText(*v.revoked_at) : std::string()) +
                 " (listed in " + what + ")";
      return v;
    }
  }
  v.status = S::good;
  if (v.next_update && *v.next_update - now < warn) {
    v.expiring = true;
    v.reason = what + " expires in " +
               spanText(std::chrono::duration_cast<std::chrono::seconds>(*v.next_update - now)) + " (nextUpdate " +
               utcText(*v.next_update) + "): the CA must publish a new one before then";
  } else {
    v.reason = what + " is current" + (v.next_update ? " until " + utcText(*v.next_update) : std::string());
  }
  return v;
}

}  // namespace

}  // namespace gtm::monitor
