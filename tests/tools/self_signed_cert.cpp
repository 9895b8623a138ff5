#include "tests/tools/self_signed_cert.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace gtm::test {

void useSelfSignedCertificate(boost::asio::ssl::context& ctx, const std::string& common_name, int days_valid) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (!key || !cert) throw std::runtime_error("cannot make a test certificate");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  long day = 24L * 3600;
  if (days_valid >= 0) {
    X509_gmtime_adj(X509_getm_notBefore(cert), -day);
    X509_gmtime_adj(X509_getm_notAfter(cert), days_valid * day);
  } else {
    X509_gmtime_adj(X509_getm_notBefore(cert), (days_valid - 30) * day);
    X509_gmtime_adj(X509_getm_notAfter(cert), days_valid * day);
  }
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), cert);
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key);
  X509_free(cert);
  EVP_PKEY_free(key);
}

}  // namespace gtm::test
