#include "tests/support/etcd.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gtm::test {

std::string Etcd::cannotRun() {
  if (::access("/usr/bin/etcd", X_OK) != 0) return "etcd is not installed (scripts/install-deps.sh test: etcd-server)";
  return "";
}

std::unique_ptr<Etcd> Etcd::start() {
  auto e = std::unique_ptr<Etcd>(new Etcd());
  e->dir_ = makeTempDir();
  e->url_ = "http://127.0.0.1:" + std::to_string(freePort());
  e->peer_ = "http://127.0.0.1:" + std::to_string(freePort());
  e->restart();
  return e;
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void mustRun(const std::string& command) {
  auto r = run(command + " 2>&1");
  if (r.exit_code != 0) throw std::runtime_error(command + ": " + r.output);
}

// A CA, a certificate for the member (127.0.0.1) and one for a client.
void makeCertificates(const std::string& d) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  mustRun("openssl req -x509 " + ec + " -keyout " + d + "/ca.key -out " + d + "/ca.pem -subj /CN=etcd-test-ca -days 2");
  for (const std::string& who : {std::string("server"), std::string("client")}) {
    // No CommonName on the client's: etcd refuses one on a gateway request
    // once users are on (etcd pull request 10366, CVE-2018-16886).
    std::string subject = who == "server" ? "/CN=server" : "/O=gtm";
    mustRun("openssl req " + ec + " -keyout " + d + "/" + who + ".key -out " + d + "/" + who + ".csr -subj " + subject);
    std::string ext = d + "/" + who + ".ext";
    std::ofstream(ext) << (who == "server" ? "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"
                                           : "extendedKeyUsage=clientAuth\n");
    mustRun("openssl x509 -req -in " + d + "/" + who + ".csr -CA " + d + "/ca.pem -CAkey " + d + "/ca.key -CAcreateserial -out " +
            d + "/" + who + ".pem -days 2 -extfile " + ext);
  }
}

}  // namespace

std::unique_ptr<Etcd> Etcd::startTls() {
  auto e = std::unique_ptr<Etcd>(new Etcd());
  e->dir_ = makeTempDir();
  e->tls_ = true;
  makeCertificates(e->dir_);
  e->url_ = "https://127.0.0.1:" + std::to_string(freePort());
  e->peer_ = "http://127.0.0.1:" + std::to_string(freePort());
  e->restart();
  return e;
}

std::string Etcd::ca() const { return slurp(dir_ + "/ca.pem"); }
std::string Etcd::clientCert() const { return slurp(dir_ + "/client.pem"); }
std::string Etcd::clientKey() const { return slurp(dir_ + "/client.key"); }

std::string Etcd::ctl() const {
  std::string ctl = "ETCDCTL_API=3 /usr/bin/etcdctl --dial-timeout=2s --command-timeout=10s --endpoints=" + url_;
  if (tls_) ctl += " --cacert=" + dir_ + "/ca.pem --cert=" + dir_ + "/client.pem --key=" + dir_ + "/client.key";
  return ctl;
}

void Etcd::enableAuth(const std::string& user, const std::string& password, const std::string& prefix) {
  std::string ctl = this->ctl();
  mustRun(ctl + " user add root:root-pw");
  mustRun(ctl + " user add " + user + ":" + password);
  mustRun(ctl + " role add " + user + "-role");
  mustRun(ctl + " role grant-permission " + user + "-role --prefix=true readwrite " + prefix);
  mustRun(ctl + " user grant-role " + user + " " + user + "-role");
  mustRun(ctl + " auth enable");
}

void Etcd::stop() { process_.reset(); }

void Etcd::restart() {
  std::vector<std::string> args{"/usr/bin/etcd", "--name", "t1", "--data-dir", dir_ + "/data",
                                "--listen-client-urls", url_, "--advertise-client-urls", url_,
                                "--listen-peer-urls", peer_, "--initial-advertise-peer-urls", peer_,
                                "--initial-cluster", "t1=" + peer_, "--initial-cluster-state", "new"};
  if (tls_)
    for (const std::string& a : {"--cert-file=" + dir_ + "/server.pem", "--key-file=" + dir_ + "/server.key",
                                 "--trusted-ca-file=" + dir_ + "/ca.pem", std::string("--client-cert-auth")})
      args.push_back(a);
  process_ = ChildProcess::start(args, "ready to serve client requests");
}

}  // namespace gtm::test
