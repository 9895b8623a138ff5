// CRLs made here with OpenSSL (a CA key, its certificate, CRLs with chosen
// times, entries and signers), judged as Windows judges them: current,
// expired, not yet valid, expiring within the warning, the serial revoked,
// signed by another key or issued by another CA, not a CRL, too large.
#include "monitor/crl_verdict.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace gtm::monitor {
namespace {

using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

struct Ca {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  explicit Ca(const char* name) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), 365 * 86400);
    X509_NAME* n = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name), -1, -1, 0);
    X509_set_issuer_name(cert, n);
    X509_set_pubkey(cert, key);
    X509_sign(cert, key, EVP_sha256());
  }
  ~Ca() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  // A CRL issued by this CA: thisUpdate and nextUpdate relative to now,
  // the serials listed, signed by `signer` (default this CA's key).
  std::string crl(std::chrono::seconds this_update, std::chrono::seconds next_update, std::vector<long> revoked = {},
                  EVP_PKEY* signer = nullptr, bool pem = false) const {
    X509_CRL* c = X509_CRL_new();
    X509_CRL_set_version(c, 1);
    X509_CRL_set_issuer_name(c, X509_get_subject_name(cert));
    time_t now = Clock::to_time_t(Clock::now());
    ASN1_TIME* t = ASN1_TIME_adj(nullptr, now, 0, static_cast<long>(this_update.count()));
    X509_CRL_set1_lastUpdate(c, t);
    ASN1_TIME_free(t);
    t = ASN1_TIME_adj(nullptr, now, 0, static_cast<long>(next_update.count()));
    X509_CRL_set1_nextUpdate(c, t);
    ASN1_TIME_free(t);
    for (long serial : revoked) {
      X509_REVOKED* r = X509_REVOKED_new();
      ASN1_INTEGER* s = ASN1_INTEGER_new();
      ASN1_INTEGER_set(s, serial);
      X509_REVOKED_set_serialNumber(r, s);
      ASN1_INTEGER_free(s);
      ASN1_TIME* when = ASN1_TIME_adj(nullptr, now, 0, -3600);
      X509_REVOKED_set_revocationDate(r, when);
      ASN1_TIME_free(when);
      X509_CRL_add0_revoked(c, r);
    }
    X509_CRL_sort(c);
    X509_CRL_sign(c, signer ? signer : key, EVP_sha256());
    std::string out;
    if (pem) {
      BIO* bio = BIO_new(BIO_s_mem());
      PEM_write_bio_X509_CRL(bio, c);
      char* data = nullptr;
      long n = BIO_get_mem_data(bio, &data);
      out.assign(data, static_cast<size_t>(n));
      BIO_free(bio);
    } else {
      unsigned char* der = nullptr;
      int n = i2d_X509_CRL(c, &der);
      out.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
      OPENSSL_free(der);
    }
    X509_CRL_free(c);
    return out;
  }
};

struct Serial {
  ASN1_INTEGER* value = ASN1_INTEGER_new();
  explicit Serial(long n) { ASN1_INTEGER_set(value, n); }
  ~Serial() { ASN1_INTEGER_free(value); }
};

const std::string kUrl = "http://pki.example.com/issuing.crl";

CrlVerdict judge(const Ca& ca, const std::string& bytes, const ASN1_INTEGER* serial = nullptr) {
  return judgeCrl(bytes, {ca.cert}, serial, Clock::now(), 24h, kUrl);
}

TEST(CrlVerdict, CurrentExpiredExpiringAndNotYetValid) {
  Ca ca("gtm test issuing CA");
  using S = CrlVerdict::Status;
  auto good = judge(ca, ca.crl(-1h, 7 * 24h));
  EXPECT_EQ(good.status, S::good) << good.reason;
  EXPECT_FALSE(good.expiring);
  EXPECT_EQ(good.reason.rfind("CRL " + kUrl + " is current until ", 0), 0u) << good.reason;
  EXPECT_NEAR(*good.secondsLeft(Clock::now()), 7 * 86400, 5);
  auto pem = judge(ca, ca.crl(-1h, 7 * 24h, {}, nullptr, true));
  EXPECT_EQ(pem.status, S::good) << pem.reason;

  auto expired = judge(ca, ca.crl(-48h, -2h));
  EXPECT_EQ(expired.status, S::expired);
  EXPECT_EQ(expired.reason.rfind("CRL " + kUrl + " expired 2 h ago (nextUpdate ", 0), 0u) << expired.reason;
  EXPECT_NE(expired.reason.find("0x80092013"), std::string::npos);
  EXPECT_LT(*expired.secondsLeft(Clock::now()), 0);

  auto soon = judge(ca, ca.crl(-1h, 5h));
  EXPECT_EQ(soon.status, S::good);
  EXPECT_TRUE(soon.expiring);
  EXPECT_EQ(soon.reason.rfind("CRL " + kUrl + " expires in ", 0), 0u) << soon.reason;

  auto future = judge(ca, ca.crl(2h, 48h));
  EXPECT_EQ(future.status, S::not_yet_valid) << future.reason;
}

TEST(CrlVerdict, RevokedSerials) {
  Ca ca("gtm test issuing CA");
  std::string crl = ca.crl(-1h, 24h * 7, {0x1001, 0x2002});
  Serial listed(0x2002), other(0x3003);
  auto revoked = judge(ca, crl, listed.value);
  EXPECT_EQ(revoked.status, CrlVerdict::Status::revoked);
  EXPECT_EQ(revoked.reason.rfind("certificate revoked at ", 0), 0u) << revoked.reason;
  ASSERT_TRUE(revoked.revoked_at);
  EXPECT_EQ(judge(ca, crl, other.value).status, CrlVerdict::Status::good);
}

TEST(CrlVerdict, ForgedForeignAndJunk) {
  Ca ca("gtm test issuing CA"), other("another CA");
  using S = CrlVerdict::Status;
  // The right issuer's name, another key's signature.
  auto forged = judge(ca, ca.crl(-1h, 24h, {}, other.key));
  EXPECT_EQ(forged.status, S::bad_signature);
  EXPECT_NE(forged.reason.find("not signed by its issuer's key"), std::string::npos);
  auto foreign = judge(ca, other.crl(-1h, 24h));
  EXPECT_EQ(foreign.status, S::bad_signature);
  EXPECT_NE(foreign.reason.find("issued by /CN=another CA"), std::string::npos) << foreign.reason;
  EXPECT_EQ(judge(ca, "").status, S::unreadable);
  EXPECT_EQ(judge(ca, "<html>not found</html>").status, S::unreadable);
  std::string good = ca.crl(-1h, 24h);
  EXPECT_EQ(judge(ca, good.substr(0, good.size() / 2)).status, S::unreadable) << "cut short";
  auto huge = judge(ca, std::string(kMaxCrlBytes + 1, '\0'));
  EXPECT_EQ(huge.status, S::unreadable);
  EXPECT_NE(huge.reason.find("larger than 10 MiB"), std::string::npos);
}

}  // namespace
}  // namespace gtm::monitor
