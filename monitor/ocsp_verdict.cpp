#include "monitor/ocsp_verdict.hpp"

#include <openssl/err.h>

#include "monitor/crl_verdict.hpp"

namespace gtm::monitor {
namespace {

using Clock = std::chrono::system_clock;
// Clocks differ: a response up to 5 minutes "from the future" or past its
// nextUpdate still counts (OpenSSL's and Windows' usual leeway).
constexpr auto kLeeway = std::chrono::minutes(5);

struct ResponseFree {
  void operator()(OCSP_RESPONSE* r) const { OCSP_RESPONSE_free(r); }
};
struct BasicFree {
  void operator()(OCSP_BASICRESP* b) const { OCSP_BASICRESP_free(b); }
};

}  // namespace

std::unique_ptr<OcspQuery> OcspQuery::make(X509* cert, X509* issuer) {
  std::unique_ptr<OcspQuery> q(new OcspQuery);
  q->id_ = OCSP_cert_to_id(nullptr, cert, issuer);
  if (!q->id_) {
    ERR_clear_error();
    return nullptr;
  }
  OCSP_REQUEST* req = OCSP_REQUEST_new();
  OCSP_CERTID* copy = req ? OCSP_CERTID_dup(q->id_) : nullptr;
  // Without a nonce, as Windows asks: responders that pre-sign their
  // answers (Microsoft's Online Responder by default) ignore one anyway.
  if (!copy || !OCSP_request_add0_id(req, copy)) {
    OCSP_CERTID_free(copy);
    OCSP_REQUEST_free(req);
    ERR_clear_error();
    return nullptr;
  }
  unsigned char* out = nullptr;
  int n = i2d_OCSP_REQUEST(req, &out);
  OCSP_REQUEST_free(req);
  if (n <= 0) {
    ERR_clear_error();
    return nullptr;
  }
  q->der_.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return q;
}

OcspQuery::~OcspQuery() { OCSP_CERTID_free(id_); }

OcspVerdict judgeOcsp(std::string_view der, const OcspQuery& query, STACK_OF(X509)* untrusted, X509_STORE* trust,
                      Clock::time_point now, const std::string& url) {
  using S = OcspVerdict::Status;
  OcspVerdict v;
  const std::string what = "OCSP " + url + ": ";
  if (der.size() > kMaxOcspBytes) {
    v.reason = what + "the response is larger than " + std::to_string(kMaxOcspBytes >> 10) + " KiB: not read";
    return v;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<OCSP_RESPONSE, ResponseFree> response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!response) {
    ERR_clear_error();
    v.reason = what + "the answer is not an OCSP response";
    return v;
  }
  int rs = OCSP_response_status(response.get());
  if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    v.status = S::refused;
    v.reason = what + "the responder answered " + OCSP_response_status_str(rs);
    return v;
  }
  std::unique_ptr<OCSP_BASICRESP, BasicFree> basic(OCSP_response_get1_basic(response.get()));
  if (!basic) {
    ERR_clear_error();
    v.reason = what + "the response holds no basic response";
    return v;
  }
  if (OCSP_basic_verify(basic.get(), untrusted, trust, 0) <= 0) {
    ERR_clear_error();
    v.status = S::bad_signature;
    v.reason = what + "the response is not signed by the CA or a responder it authorised (a forged or misconfigured "
                      "responder)";
    return v;
  }
  int status = 0, why = 0;
  ASN1_GENERALIZEDTIME *revoked = nullptr, *this_update = nullptr, *next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), query.id(), &status, &why, &revoked, &this_update, &next_update) != 1) {
    v.status = S::wrong_answer;
    v.reason = what + "the response is about another certificate, not this one";
    return v;
  }
  v.this_update = asn1TimePoint(this_update);
  v.next_update = asn1TimePoint(next_update);
  if (!v.this_update || *v.this_update > now + kLeeway) {
    v.status = S::not_current;
    v.reason = what + "the response is not valid before " +
               (v.this_update ? utcText(*v.this_update) : std::string("(unreadable)")) + " (check this server's clock)";
    return v;
  }
  if (v.next_update && *v.next_update + kLeeway < now) {
    v.status = S::not_current;
    v.reason = what + "the response expired " +
               spanText(std::chrono::duration_cast<std::chrono::seconds>(now - *v.next_update)) + " ago (nextUpdate " +
               utcText(*v.next_update) + ")";
    return v;
  }
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      v.status = S::good;
      v.reason = what + "good" + (v.next_update ? " until " + utcText(*v.next_update) : std::string());
      break;
    case V_OCSP_CERTSTATUS_REVOKED:
      v.status = S::revoked;
      v.revoked_at = asn1TimePoint(revoked);
      v.reason = what + "revoked" + (v.revoked_at ? " at " + utcText(*v.revoked_at) : std::string());
      if (why >= 0) v.reason += std::string(" (") + OCSP_crl_reason_str(why) + ")";
      break;
    default:
      v.status = S::unknown;
      v.reason = what + "the responder does not know this certificate (unknown)";
      break;
  }
  return v;
}

}  // namespace gtm::monitor
