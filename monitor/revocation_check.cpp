#include "monitor/revocation_check.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <cctype>

#include "monitor/crl_verdict.hpp"
#include "monitor/http_fetch.hpp"
#include "monitor/ocsp_verdict.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;
using System = std::chrono::system_clock;

namespace {

// A hostile or broken certificate cannot make a probe fetch without end.
constexpr size_t kMaxCertificates = 8;      // of a chain
constexpr size_t kMaxUrlsPerKind = 4;       // CRL distribution points, OCSP responders, per certificate
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxSources = 256;         // URLs remembered
constexpr auto kForgetAfter = std::chrono::minutes(30);
// A failed fetch is tried again sooner than crl_refresh.
constexpr auto kRetryAfterFailure = std::chrono::seconds(30);

Steady::duration toSteady(double seconds) {
  return std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
}

std::string subjectCn(X509* cert) {
  char buf[256] = "";
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof buf) <= 0) X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

// A URL gtm does not fetch, as the status lists it.
std::string notCheckedText(const std::string& url) {
  return url.size() > kMaxUrlBytes ? url.substr(0, 64) + "... (longer than 2048 bytes)" : url;
}

bool startsWithNoCase(const std::string& s, const char* prefix) {
  size_t n = std::char_traits<char>::length(prefix);
  if (s.size() < n) return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

std::vector<std::string> ocspResponders(X509* cert) {
  std::vector<std::string> out;
  STACK_OF(OPENSSL_STRING)* list = X509_get1_ocsp(cert);
  for (int i = 0; i < sk_OPENSSL_STRING_num(list); ++i) out.emplace_back(sk_OPENSSL_STRING_value(list, i));
  X509_email_free(list);
  return out;
}

// "CRL http://x/y.crl is current until ..." as the detail of "CRL http://x/y.crl": "is current until ...".
std::string afterName(const std::string& text, const std::string& name) {
  if (text.rfind(name, 0) != 0) return text;
  size_t from = name.size();
  if (text.compare(from, 2, ": ") == 0) from += 2;
  else if (from < text.size() && text[from] == ' ') from += 1;
  return text.substr(from);
}

std::string ago(System::time_point then, System::time_point now) {
  return spanText(std::chrono::duration_cast<std::chrono::seconds>(now - then)) + " ago";
}

}  // namespace

struct RevocationCheck::Source {
  bool ocsp = false;
  std::string url;
  std::unique_ptr<OcspQuery> query;  // ocsp: the request sent
  bool in_flight = false;
  bool answered = false;             // a fetch has ended (well or not)
  Steady::time_point next_fetch{};
  Steady::time_point last_used{};
  System::time_point last_ok{};
  std::string error;                 // the last fetch's failure; empty when it brought an answer
  CrlHandle crl;                     // crl: the last one read
  EVP_PKEY* crl_signer = nullptr;    // the key its signature was verified with
  std::string answer;                // ocsp: the last response (DER)
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;  // first probes waiting for the first answer

  ~Source() { EVP_PKEY_free(crl_signer); }
};

namespace {

struct FetchSettings {
  double timeout;
  double refresh;
  std::optional<IpAddress> source;
};

asio::awaitable<void> fetch(std::shared_ptr<RevocationCheck::Source> s, FetchSettings settings) {
  HttpFetchRequest request;
  request.url = s->url;
  request.timeout = settings.timeout;
  request.source = settings.source;
  if (s->ocsp) {
    request.body = s->query->der();
    request.content_type = "application/ocsp-request";
    request.max_body = kMaxOcspBytes;
  } else {
    request.max_body = kMaxCrlBytes;
  }
  HttpFetchResult got = co_await httpFetch(co_await asio::this_coro::executor, request);
  Steady::duration keep = toSteady(settings.refresh);
  if (got.ok && !s->ocsp) {
    if (CrlHandle crl = parseCrl(got.body)) {
      s->crl = std::move(crl);
      EVP_PKEY_free(s->crl_signer);
      s->crl_signer = nullptr;
      // Kept to its nextUpdate at most, when that is sooner.
      if (auto next = asn1TimePoint(X509_CRL_get0_nextUpdate(s->crl.get())); next && *next > System::now())
        keep = std::min(keep, std::chrono::duration_cast<Steady::duration>(*next - System::now()) +
                                  std::chrono::seconds(1));
    } else {
      got.ok = false;
      got.error = "the answer is not a CRL (neither DER nor PEM)";
    }
  } else if (got.ok) {
    s->answer = std::move(got.body);
  }
  if (got.ok) {
    s->error.clear();
    s->last_ok = System::now();
  } else {
    s->error = got.error.empty() ? "no answer" : got.error;
    keep = std::min(keep, Steady::duration(kRetryAfterFailure));
  }
  s->next_fetch = Steady::now() + keep;
  s->in_flight = false;
  s->answered = true;
  for (auto& w : s->waiters) w->cancel();
  s->waiters.clear();
}

}  // namespace

RevocationCheck::RevocationCheck(const config::Monitor& m) : monitor_(m), trust_(X509_STORE_new()) {
  if (!trust_) return;
  if (m.ca_pem.empty()) {
    X509_STORE_set_default_paths(trust_);
  } else {
    BIO* bio = BIO_new_mem_buf(m.ca_pem.data(), static_cast<int>(m.ca_pem.size()));
    while (X509* cert = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr) {
      X509_STORE_add_cert(trust_, cert);
      X509_free(cert);
    }
    BIO_free(bio);
  }
  ERR_clear_error();
}

RevocationCheck::~RevocationCheck() { X509_STORE_free(trust_); }

std::shared_ptr<RevocationCheck::Source> RevocationCheck::sourceFor(const std::string& key, bool ocsp,
                                                                    const std::string& url) {
  auto& slot = sources_[key];
  if (!slot) {
    slot = std::make_shared<Source>();
    slot->ocsp = ocsp;
    slot->url = url;
  }
  slot->last_used = Steady::now();
  return slot;
}

void RevocationCheck::refreshIfDue(const std::shared_ptr<Source>& s, asio::any_io_executor ex) {
  if (s->in_flight || Steady::now() < s->next_fetch) return;
  s->in_flight = true;
  asio::co_spawn(ex, fetch(s, {monitor_.timeout, monitor_.crl_refresh, monitor_.source}), asio::detached);
}

void RevocationCheck::forgetUnused() {
  if (sources_.size() <= kMaxSources / 2) return;
  const auto now = Steady::now();
  for (auto it = sources_.begin(); it != sources_.end();) {
    bool stale = now - it->second->last_used > kForgetAfter || sources_.size() > kMaxSources;
    if (stale && !it->second->in_flight && now - it->second->last_used > std::chrono::seconds(1))
      it = sources_.erase(it);
    else
      ++it;
  }
}

asio::awaitable<RevocationCheck::Report> RevocationCheck::check(STACK_OF(X509)* chain, Steady::time_point deadline) {
  Report report;
  auto ex = co_await asio::this_coro::executor;
  const int n = chain ? sk_X509_num(chain) : 0;
  if (n < 2) {
    report.details.emplace_back("revocation", "not checked: the certificate is itself the trust anchor");
    co_return report;
  }
  // Each certificate but the anchor, with the sources that vouch for it.
  struct Subject {
    X509* cert;
    X509* issuer;
    std::string role;
    std::vector<std::shared_ptr<Source>> sources;
    std::vector<std::string> not_checked;  // LDAP and other URLs Windows clients outside may not reach
    // The delta CRLs of its base CRLs: (base CRL, delta CRL).
    std::vector<std::pair<std::shared_ptr<Source>, std::shared_ptr<Source>>> deltas;
  };
  std::vector<Subject> subjects;
  for (int i = 0; i + 1 < n && subjects.size() < kMaxCertificates; ++i) {
    Subject sub{sk_X509_value(chain, i), sk_X509_value(chain, i + 1),
                i == 0 ? "the server's certificate" : "CA certificate \"" + subjectCn(sk_X509_value(chain, i)) + "\"",
                {}, {}, {}};
    auto consider = [&](const std::string& url, bool ocsp) {
      if (url.size() > kMaxUrlBytes || !startsWithNoCase(url, "http://")) {
        sub.not_checked.push_back(notCheckedText(url));
      } else if (!ocsp) {
        sub.sources.push_back(sourceFor("crl " + url, false, url));
      } else {
        auto query = OcspQuery::make(sub.cert, sub.issuer);
        if (!query) return;
        std::string key = "ocsp " + url + " ";
        for (unsigned char c : query->der()) key += static_cast<char>(c);
        auto s = sourceFor(key, true, url);
        if (!s->query) s->query = std::move(query);
        sub.sources.push_back(s);
      }
    };
    auto cdps = crlDistributionPoints(sub.cert);
    auto responders = ocspResponders(sub.cert);
    for (size_t k = 0; k < responders.size() && k < kMaxUrlsPerKind; ++k) consider(responders[k], true);
    for (size_t k = 0; k < cdps.size() && k < kMaxUrlsPerKind; ++k) consider(cdps[k], false);
    subjects.push_back(std::move(sub));
  }
  for (const Subject& sub : subjects)
    for (const auto& s : sub.sources) refreshIfDue(s, ex);
  // The delta CRLs that the base CRLs read so far name in their Freshest
  // CRL extension (known once a base CRL has come: looked for again after
  // each answer below).
  auto addDeltas = [&] {
    for (Subject& sub : subjects)
      for (const auto& base : sub.sources) {
        if (base->ocsp || !base->crl) continue;
        size_t taken = 0;
        for (const std::string& url : freshestCrlPoints(base->crl.get())) {
          if (url.size() > kMaxUrlBytes || !startsWithNoCase(url, "http://")) {
            std::string shown = notCheckedText(url);
            if (std::find(sub.not_checked.begin(), sub.not_checked.end(), shown) == sub.not_checked.end())
              sub.not_checked.push_back(shown);
            continue;
          }
          if (taken++ == kMaxUrlsPerKind) break;
          auto delta = sourceFor("delta " + url, false, url);
          std::pair<std::shared_ptr<Source>, std::shared_ptr<Source>> pair{base, delta};
          if (std::find(sub.deltas.begin(), sub.deltas.end(), pair) == sub.deltas.end()) sub.deltas.push_back(pair);
          refreshIfDue(delta, ex);
        }
      }
  };

  // A URL never answered yet: wait for it, until the deadline at most.
  for (;;) {
    addDeltas();
    std::vector<std::shared_ptr<Source>> pending;
    for (const Subject& sub : subjects) {
      for (const auto& s : sub.sources)
        if (!s->answered) pending.push_back(s);
      for (const auto& d : sub.deltas)
        if (!d.second->answered) pending.push_back(d.second);
    }
    if (pending.empty() || Steady::now() >= deadline) break;
    auto wake = std::make_shared<asio::steady_timer>(ex);
    wake->expires_at(deadline);
    for (const auto& s : pending) s->waiters.push_back(wake);
    boost::system::error_code ec;
    co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  const auto now = System::now();
  const auto warn = std::chrono::hours(monitor_.warn_crl_hours);
  for (const Subject& sub : subjects) {
    bool vouched = false;
    std::vector<std::string> revoked, failures, warnings;
    // Whether a source has nothing to judge (no answer yet, or its last
    // fetch failed): then the failure is noted and `detail` says it.
    auto unanswered = [&](const Source& s, const std::string& what, std::string& detail) {
      if (!s.answered) {
        failures.push_back(what + ": no answer yet (the first fetch is still running)");
        detail = "no answer yet";
      } else if (!s.error.empty()) {
        failures.push_back(what + " unreachable: " + s.error + " (Windows SSTP clients fail with 0x80092013)");
        detail = "unreachable: " + s.error;
        if (s.last_ok != System::time_point{}) detail += "; the last good answer came " + ago(s.last_ok, now);
      }
      return !detail.empty();
    };
    using S = CrlVerdict::Status;
    const ASN1_INTEGER* serial = X509_get0_serialNumber(sub.cert);
    // A CRL's signature is verified once per issuer key, then remembered:
    // judge(signature_checked) judges it.
    auto judged = [&](Source& s, auto judge) {
      bool checked = s.crl_signer && EVP_PKEY_eq(s.crl_signer, X509_get0_pubkey(sub.issuer)) == 1;
      CrlVerdict v = judge(checked);
      if (!checked && v.status != S::bad_signature && v.status != S::unreadable) {
        EVP_PKEY_free(s.crl_signer);
        s.crl_signer = X509_get_pubkey(sub.issuer);
      }
      return v;
    };
    auto revokedText = [&](const CrlVerdict& v, const std::string& what) {
      return sub.role + " revoked" + (v.revoked_at ? " at " + utcText(*v.revoked_at) : std::string()) + " (listed in " +
             what + ")";
    };
    for (const auto& s : sub.sources) {
      const std::string what = (s->ocsp ? "OCSP " : "CRL ") + s->url;
      std::string detail;
      if (unanswered(*s, what, detail)) {
        // noted among the failures
      } else if (!s->ocsp) {
        CrlVerdict v = judged(*s, [&](bool checked) {
          return judgeCrl(s->crl.get(), {sub.issuer}, serial, now, warn, s->url, checked);
        });
        if (auto left = v.secondsLeft(now); left && (!report.crl_seconds_left || *left < *report.crl_seconds_left))
          report.crl_seconds_left = left;
        // A base CRL that names delta CRLs vouches only with one of them
        // current and not listing the certificate (as Windows reads it).
        bool deltas_named = false, delta_vouches = false;
        if (v.status == S::good)
          for (const auto& [base, d] : sub.deltas) {
            if (base != s) continue;
            deltas_named = true;
            const std::string delta_what = "delta CRL " + d->url;
            std::string delta_detail;
            if (!unanswered(*d, delta_what, delta_detail)) {
              CrlVerdict dv = judged(*d, [&](bool checked) {
                return judgeDeltaCrl(d->crl.get(), s->crl.get(), {sub.issuer}, serial, now, warn, d->url, checked);
              });
              if (dv.status == S::good) {
                delta_vouches = true;
                if (dv.expiring) warnings.push_back(dv.reason);
              } else if (dv.status == S::revoked) {
                revoked.push_back(revokedText(dv, delta_what));
              } else {
                failures.push_back(dv.reason);
              }
              delta_detail = afterName(dv.reason, delta_what) + "; fetched " + ago(d->last_ok, now);
            }
            report.details.emplace_back(delta_what, sub.role + ": " + delta_detail);
          }
        if (v.status == S::good && (!deltas_named || delta_vouches)) {
          vouched = true;
          if (v.expiring) warnings.push_back(v.reason);
        } else if (v.status == S::revoked) {
          revoked.push_back(revokedText(v, what));
        } else if (v.status != S::good) {
          failures.push_back(v.reason);
        }
        detail = afterName(v.reason, what) + "; fetched " + ago(s->last_ok, now);
      } else {
        OcspVerdict v = judgeOcsp(s->answer, *s->query, chain, trust_, now, s->url);
        if (v.status == OcspVerdict::Status::good)
          vouched = true;
        else if (v.status == OcspVerdict::Status::revoked)
          revoked.push_back(sub.role + ": " + v.reason);
        else
          failures.push_back(v.reason);
        detail = afterName(v.reason, what) + "; asked " + ago(s->last_ok, now);
      }
      report.details.emplace_back(what, sub.role + ": " + detail);
    }
    for (const std::string& url : sub.not_checked)
      report.details.emplace_back(url, sub.role + ": not checked (gtm fetches http:// only; Windows clients "
                                                  "outside the domain cannot reach LDAP either)");
    if (!revoked.empty()) {
      report.problems.insert(report.problems.end(), revoked.begin(), revoked.end());
    } else if (sub.sources.empty()) {
      report.problems.push_back(sub.role + " names no http:// CRL distribution point or OCSP responder (Windows "
                                           "SSTP clients fail with 0x80092012)");
    } else if (!vouched) {
      report.problems.insert(report.problems.end(), failures.begin(), failures.end());
    } else {
      // Windows takes the first source that answers: the others fail
      // nobody yet, but are one outage away from it.
      report.warnings.insert(report.warnings.end(), failures.begin(), failures.end());
    }
    report.warnings.insert(report.warnings.end(), warnings.begin(), warnings.end());
  }
  forgetUnused();
  ERR_clear_error();
  co_return report;
}

}  // namespace gtm::monitor
