#include "cli/cluster_member.hpp"

#include <openssl/sha.h>

#include <cstdio>
#include <sstream>

#include <toml++/toml.h>

#include "common/build_info.hpp"
#include "common/small_file.hpp"
#include "config/toml_bounds.hpp"

namespace gtm::cli {

std::string configDigest(const std::string& path) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  std::ostringstream shared;
  if (auto text = readSmallFile(path, config::kMaxConfigBytes)) {
    try {
      toml::table t = toml::parse(*text, path);
      for (const char* own : {"dns", "status", "log", "cluster", "lb"}) t.erase(own);
      // Per-node keys inside shared tables: each node's own probe address.
      if (auto* monitors = t["monitor"].as_array())
        for (auto& m : *monitors)
          if (auto* table = m.as_table()) table->erase("source");
      shared << t;  // toml++ writes keys in order: the same content, the same text
    } catch (const toml::parse_error&) {
    }
  }
  std::string bytes = shared.str();
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return hex;
}

cluster::NodeSettings clusterSettings(const config::Config& cfg) {
  const config::ClusterSettings& c = cfg.cluster;
  cluster::NodeSettings s;
  s.node = c.node;
  s.prefix = c.prefix;
  s.etcd.endpoints = c.etcd;
  s.etcd.ca_pem = c.ca_pem;
  s.etcd.cert_pem = c.cert_pem;
  s.etcd.key_pem = c.key_pem;
  s.etcd.username = c.username;
  s.etcd.password = c.password;
  using A = config::ClusterSettings::Agreement;
  s.agreement = c.agreement == A::all     ? cluster::Agreement::all
                : c.agreement == A::any   ? cluster::Agreement::any
                : c.agreement == A::local ? cluster::Agreement::local
                                          : cluster::Agreement::majority;
  s.lease_ttl = c.lease_ttl;
  s.version = version();
  return s;
}

}  // namespace gtm::cli
