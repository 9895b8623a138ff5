// check_revocation on sstp and https monitors: each certificate of the
// chain a server presented (the leaf and each intermediate; not the trust
// anchor) checked as Windows checks it before an SSTP tunnel comes up: its
// http:// CRL distribution points (with the delta CRLs a base CRL names in
// its Freshest CRL extension) and the OCSP responder in its AIA. A
// certificate passes when one of them vouches for it (Windows asks OCSP
// first, then the CRLs) and none says it is revoked; a source that fails
// while another answers is a warning.
//
// What each URL brought is kept between probes (a CRL until its nextUpdate
// or crl_refresh, whichever is sooner) and fetched again in the background:
// a probe never waits for a download except the very first of a URL, and
// then no longer than its own deadline. The fetched bytes come from another
// machine: bounded (10 MiB for a CRL, 64 KiB for an OCSP answer) and parsed
// by OpenSSL.
#pragma once

#include <openssl/x509.h>

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace gtm::monitor {

class RevocationCheck {
 public:
  explicit RevocationCheck(const config::Monitor& m);
  ~RevocationCheck();
  RevocationCheck(const RevocationCheck&) = delete;
  RevocationCheck& operator=(const RevocationCheck&) = delete;

  struct Report {
    // Why Windows clients would refuse the server now (empty: they accept).
    std::vector<std::string> problems;
    // What will fail later or fails beside a source that still answers.
    std::vector<std::string> warnings;
    std::optional<double> crl_seconds_left;  // the soonest nextUpdate of the CRLs read
    std::vector<std::pair<std::string, std::string>> details;  // each URL: what it brought
  };

  // `chain`: as verified, the leaf first. Returns by `deadline` at the latest.
  boost::asio::awaitable<Report> check(STACK_OF(X509)* chain, std::chrono::steady_clock::time_point deadline);

  struct Source;  // one URL's last answer (revocation_check.cpp)

 private:
  std::shared_ptr<Source> sourceFor(const std::string& key, bool ocsp, const std::string& url);
  void refreshIfDue(const std::shared_ptr<Source>& s, boost::asio::any_io_executor ex);
  void forgetUnused();

  config::Monitor monitor_;
  X509_STORE* trust_ = nullptr;  // the anchors OCSP responders' certificates chain to
  std::map<std::string, std::shared_ptr<Source>> sources_;
};

}  // namespace gtm::monitor
