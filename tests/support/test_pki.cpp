#include "tests/support/test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

#include "tests/support/gtm_process.hpp"
#include "tests/support/http_client.hpp"

namespace gtm::test {

void OpensslCa::writeConfig(const std::string& extensions) {
  run("mkdir -p " + dir + " && touch " + dir + "/index.txt && echo 1000 > " + dir + "/crlnumber && echo 01 > " + dir +
      "/serial");
  std::ofstream(dir + "/ca.cnf") << "[ca]\ndefault_ca = gtm\n[gtm]\ndir = " << dir
                                 << "\ndatabase = $dir/index.txt\nnew_certs_dir = $dir\nserial = $dir/serial\n"
                                    "crlnumber = $dir/crlnumber\ncertificate = $dir/ca.pem\nprivate_key = $dir/ca.key\n"
                                    "default_md = sha256\ndefault_days = 30\ndefault_crl_days = 7\npolicy = any\n"
                                    "unique_subject = no\n[any]\ncommonName = supplied\n[req]\ndistinguished_name = dn\n"
                                    "[dn]\n[self_ca]\nbasicConstraints = critical,CA:TRUE\n"
                                    "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n"
                                 << extensions << "\n";
}

OpensslCa::OpensslCa(const std::string& base, const std::string& name, const std::string& subject,
                     const std::string& extensions)
    : dir(base + "/" + name) {
  writeConfig(extensions);
  ok = run("openssl req -config " + dir + "/ca.cnf -x509 -extensions self_ca -newkey ec -pkeyopt "
           "ec_paramgen_curve:P-256 -nodes -keyout " + key() + " -out " + cert() + " -days 365 -subj '" + subject +
           "' 2>&1").exit_code == 0;
}

OpensslCa::OpensslCa(const std::string& base, const std::string& name, const std::string& subject,
                     const OpensslCa& parent, const std::string& parent_section, const std::string& extensions)
    : dir(base + "/" + name) {
  writeConfig(extensions);
  ok = run("openssl req -config " + dir + "/ca.cnf -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
           key() + " -out " + dir + "/ca.csr -subj '" + subject + "' 2>&1 && openssl ca -batch -config " + parent.dir +
           "/ca.cnf -extensions " + parent_section + " -in " + dir + "/ca.csr -out " + cert() +
           " -notext -days 60 2>&1").exit_code == 0;
}

bool OpensslCa::issue(const std::string& name, const std::string& subject, const std::string& section, int days) const {
  return run("openssl req -config " + dir + "/ca.cnf -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
             dir + "/" + name + ".key -out " + dir + "/" + name + ".csr -subj '" + subject +
             "' 2>&1 && openssl ca -batch -config " + dir + "/ca.cnf -extensions " + section + " -in " + dir + "/" +
             name + ".csr -out " + dir + "/" + name + ".pem -notext -days " + std::to_string(days) + " 2>&1")
             .exit_code == 0;
}

bool OpensslCa::revoke(const std::string& cert_file) const {
  return run("openssl ca -batch -config " + dir + "/ca.cnf -revoke " + cert_file + " 2>&1").exit_code == 0;
}

bool OpensslCa::crl(const std::string& out, const std::string& options) const {
  return run("openssl ca -batch -config " + dir + "/ca.cnf -gencrl " + options + " -out " + out + " 2>&1").exit_code == 0;
}

bool OpensslCa::deltaCrl(const std::string& base, const std::string& newer, const std::string& out) const {
  auto readCrl = [](const std::string& path) -> X509_CRL* {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return nullptr;
    X509_CRL* crl = PEM_read_X509_CRL(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    return crl;
  };
  X509_CRL* b = readCrl(base);
  X509_CRL* n = readCrl(newer);
  EVP_PKEY* k = nullptr;
  if (FILE* f = std::fopen(key().c_str(), "r")) {
    k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
  }
  X509_CRL* delta = b && n && k ? X509_CRL_diff(b, n, k, EVP_sha256(), 0) : nullptr;
  bool written = false;
  if (delta) {
    if (FILE* f = std::fopen(out.c_str(), "w")) {
      written = PEM_write_X509_CRL(f, delta) == 1;
      written = std::fclose(f) == 0 && written;
    }
  }
  X509_CRL_free(delta);
  X509_CRL_free(b);
  X509_CRL_free(n);
  EVP_PKEY_free(k);
  return written;
}

StaticHttpServer::StaticHttpServer(const std::string& dir, uint16_t port) : dir_(dir), port_(port) {
  run("mkdir -p " + root() + " && chmod 755 " + dir + " " + root());
  std::ofstream(dir + "/nginx.conf") << "daemon off;\nworker_processes 1;\npid " << dir << "/nginx.pid;\nerror_log "
                                     << dir << "/nginx-error.log;\nevents { worker_connections 64; }\nhttp {\n"
                                     << "  access_log " << dir << "/access.log;\n  server {\n    listen 127.0.0.1:"
                                     << port << ";\n    root " << root() << ";\n  }\n}\n";
  nginx_ = ChildProcess::start({"nginx", "-c", dir + "/nginx.conf", "-p", dir, "-e", dir + "/nginx-error.log"}, "");
  for (int i = 0; i < 50 && !ok(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

StaticHttpServer::~StaticHttpServer() = default;

bool StaticHttpServer::ok() const { return nginx_ && httpRequest(port_, "GET", "/").status != 0; }

int StaticHttpServer::count(const std::string& text) const {
  std::ifstream log(dir_ + "/access.log");
  int n = 0;
  for (std::string line; std::getline(log, line);)
    if (line.find(text) != std::string::npos) ++n;
  return n;
}

void StaticHttpServer::stop() {
  if (nginx_) nginx_->stop();
}

std::string opensslTime(std::chrono::system_clock::time_point t) {
  std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
  return buf;
}

}  // namespace gtm::test
