#include "common/build_info.hpp"

#include <ldns/ldns.h>
#include <maxminddb.h>
#include <openssl/crypto.h>

#include <boost/version.hpp>

#ifndef GTM_VERSION
#define GTM_VERSION "unknown"
#endif
#ifndef GTM_GIT_DESCRIBE
#define GTM_GIT_DESCRIBE ""
#endif

namespace gtm {

const char* version() { return GTM_VERSION; }

const char* gitDescribe() { return GTM_GIT_DESCRIBE; }

std::string libraryVersions() {
  std::string boost = std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) +
                      "." + std::to_string(BOOST_VERSION % 100);
  // Built with (the headers) for Boost, which is header-only here; linked
  // with (the library's own answer) for the others.
  return std::string("ldns ") + ldns_version() + ", " + OpenSSL_version(OPENSSL_VERSION) + ", Boost " + boost +
         ", libmaxminddb " + MMDB_lib_version();
}

}  // namespace gtm
