// A real etcd member (Debian's etcd-server) started by a test on loopback,
// with its own data directory, stopped with the object; optionally over
// HTTPS with client certificates (a test CA made here with openssl), and
// with etcd's authentication turned on.
#pragma once

#include <memory>
#include <string>

#include "tests/support/gtm_process.hpp"

namespace gtm::test {

class Etcd {
 public:
  static std::string cannotRun();  // why not, or "" when etcd is installed
  // A single-member cluster on 127.0.0.1 (client and peer ports free now).
  static std::unique_ptr<Etcd> start();
  // The same over HTTPS: the member's certificate names 127.0.0.1 and every
  // client must show one that the test CA signed. ca(), clientCert(),
  // clientKey() are PEM texts; the files lie in dir().
  static std::unique_ptr<Etcd> startTls();
  // Turns on authentication: root (password "root-pw") and `user`, who may
  // read and write under `prefix` only.
  void enableAuth(const std::string& user, const std::string& password, const std::string& prefix);
  [[nodiscard]] std::string ca() const;
  [[nodiscard]] std::string clientCert() const;
  [[nodiscard]] std::string clientKey() const;
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] std::string log() const { return process_ ? process_->log() : ""; }
  // etcdctl (v3) for this member, ready for its arguments.
  [[nodiscard]] std::string ctl() const;
  void stop();     // the member goes away (its data stays)
  void restart();  // back, with the same data and ports

 private:
  std::string dir_, url_, peer_;
  bool tls_ = false;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace gtm::test
