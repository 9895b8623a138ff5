// A PKI made for a test with the openssl command line: CAs managed by
// `openssl ca` (index, serial, CRL number) in a folder each, certificates
// issued with extensions from the CA's own config, revocations and CRLs as
// a real CA publishes them. Nothing here reimplements X.509.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace gtm::test {

class OpensslCa {
 public:
  // A self-signed CA in base/name. `extensions`: more config sections
  // (INI text) its certificates can be issued with.
  OpensslCa(const std::string& base, const std::string& name, const std::string& subject,
            const std::string& extensions = "");
  // A CA issued by `parent` with the parent's section `parent_section`.
  OpensslCa(const std::string& base, const std::string& name, const std::string& subject, const OpensslCa& parent,
            const std::string& parent_section, const std::string& extensions = "");

  // A key (P-256) and a certificate issued with `section`, in dir/NAME.key
  // and dir/NAME.pem; false when openssl failed.
  bool issue(const std::string& name, const std::string& subject, const std::string& section, int days = 30) const;
  bool revoke(const std::string& cert) const;
  // openssl ca -gencrl with extra options ("-crlhours 5") into `out`.
  bool crl(const std::string& out, const std::string& options = "") const;
  // A delta CRL (openssl ca makes none): what `newer` lists beyond `base`
  // (both this CA's CRLs, as files), signed by this CA, through OpenSSL's
  // X509_CRL_diff, into `out`.
  bool deltaCrl(const std::string& base, const std::string& newer, const std::string& out) const;

  [[nodiscard]] std::string cert() const { return dir + "/ca.pem"; }
  [[nodiscard]] std::string key() const { return dir + "/ca.key"; }

  std::string dir;
  bool ok = false;

 private:
  void writeConfig(const std::string& extensions);
};

class ChildProcess;

// nginx serving the files in dir/www on 127.0.0.1:port (a CA's web server
// for its CRLs), each request in dir/access.log.
class StaticHttpServer {
 public:
  StaticHttpServer(const std::string& dir, uint16_t port);
  ~StaticHttpServer();
  [[nodiscard]] bool ok() const;
  [[nodiscard]] std::string root() const { return dir_ + "/www"; }
  // Requests logged so far whose line holds `text` ("GET /issuing.crl").
  [[nodiscard]] int count(const std::string& text) const;
  void stop();

 private:
  std::string dir_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> nginx_;
};

// "20261202013000Z", as openssl ca -crl_lastupdate takes it.
std::string opensslTime(std::chrono::system_clock::time_point t);

}  // namespace gtm::test
