// OCSP (RFC 6960) as Windows uses it when it checks a certificate: a
// request for one certificate (by its issuer's name and key hashes and its
// serial), and the responder's answer judged: signed by the issuing CA or a
// responder it delegated to (id-kp-OCSPSigning), current (thisUpdate /
// nextUpdate), and about this certificate. The answer comes from another
// machine: bounded (kMaxOcspBytes) and parsed by OpenSSL alone.
#pragma once

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gtm::monitor {

inline constexpr size_t kMaxOcspBytes = 64 * 1024;

// One certificate's request, kept with the answer it brings (the answer is
// judged against it on every probe).
class OcspQuery {
 public:
  // Null when OpenSSL cannot make one (no issuer key).
  [[nodiscard]] static std::unique_ptr<OcspQuery> make(X509* cert, X509* issuer);
  ~OcspQuery();
  OcspQuery(const OcspQuery&) = delete;
  OcspQuery& operator=(const OcspQuery&) = delete;

  [[nodiscard]] const std::string& der() const { return der_; }  // the POST body
  [[nodiscard]] OCSP_CERTID* id() const { return id_; }

 private:
  OcspQuery() = default;
  OCSP_CERTID* id_ = nullptr;
  std::string der_;
};

struct OcspVerdict {
  enum class Status {
    good,
    revoked,
    unknown,        // the responder does not know the certificate
    not_current,    // nextUpdate passed, or thisUpdate in the future
    bad_signature,  // not signed by the CA or a responder it authorised
    wrong_answer,   // an answer, but not about this certificate
    refused,        // the responder's own error (tryLater, unauthorized, ...)
    unreadable,     // not an OCSP response, or too large
  };
  Status status = Status::unreadable;
  std::string reason;  // "OCSP http://ocsp.example.com: revoked at 2026-12-01T10:00:00Z"
  std::optional<std::chrono::system_clock::time_point> this_update, next_update, revoked_at;
};

// `untrusted`: the chain the server presented (the issuer and any
// responder certificate are found there or in the response); `trust`: the
// anchors the chain was verified with.
[[nodiscard]] OcspVerdict judgeOcsp(std::string_view der, const OcspQuery& query, STACK_OF(X509)* untrusted,
                                    X509_STORE* trust, std::chrono::system_clock::time_point now,
                                    const std::string& url);

}  // namespace gtm::monitor
