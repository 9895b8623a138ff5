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
  std::string client = "http://127.0.0.1:" + std::to_string(freePort());
  std::string peer = "http://127.0.0.1:" + std::to_string(freePort());
  e->url_ = client;
  e->process_ = ChildProcess::start({"/usr/bin/etcd", "--name", "t1", "--data-dir", e->dir_ + "/data",
                                     "--listen-client-urls", client, "--advertise-client-urls", client,
                                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                                     "--initial-cluster", "t1=" + peer, "--initial-cluster-state", "new"},
                                    "ready to serve client requests");
  return e;
}

}  // namespace gtm::test
