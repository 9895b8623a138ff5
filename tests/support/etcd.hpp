// A real etcd member (Debian's etcd-server) started by a test on loopback,
// with its own data directory, stopped with the object.
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
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] std::string log() const { return process_ ? process_->log() : ""; }
  void stop();     // the member goes away (its data stays)
  void restart();  // back, with the same data and ports

 private:
  std::string dir_, url_, peer_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace gtm::test
