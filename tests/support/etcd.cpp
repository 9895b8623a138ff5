#include "tests/support/etcd.hpp"

#include <unistd.h>

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

void Etcd::stop() { process_.reset(); }

void Etcd::restart() {
  process_ = ChildProcess::start({"/usr/bin/etcd", "--name", "t1", "--data-dir", dir_ + "/data",
                                  "--listen-client-urls", url_, "--advertise-client-urls", url_,
                                  "--listen-peer-urls", peer_, "--initial-advertise-peer-urls", peer_,
                                  "--initial-cluster", "t1=" + peer_, "--initial-cluster-state", "new"},
                                 "ready to serve client requests");
}

}  // namespace gtm::test
