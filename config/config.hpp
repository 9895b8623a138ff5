// The parsed config file: plain values, checked for type, range and required
// keys by the loader. Meaning (names, zones, record data) is checked when the
// config is compiled into a serving snapshot (dns/snapshot_builder).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "config/diagnostics.hpp"

namespace gtm::config {

// Fixed at start: changing these needs a restart.
struct DnsSettings {
  std::vector<SocketAddress> listen;
  unsigned threads = 0;               // 0: one per CPU
  uint16_t max_udp_payload = 1232;    // cap on the EDNS payload size we answer with
  double tcp_idle_timeout = 10.0;     // seconds
  unsigned tcp_max_connections = 1024;  // all threads together
  Location where;
};

struct Soa {
  std::string mname;
  std::string rname;
  uint32_t refresh = 3600;
  uint32_t retry = 600;
  uint32_t expire = 1209600;
  uint32_t minimum = 30;
  std::optional<uint32_t> serial;
  Location where;
};

struct Record {
  std::string name;  // as written: relative, "@" or absolute
  std::string type;
  std::string data;
  std::optional<uint32_t> ttl;
  Location where;
};

struct Zone {
  std::string origin;
  uint32_t ttl = 3600;
  std::vector<std::string> ns;
  Soa soa;
  std::vector<Record> records;
  Location where;
  Location ns_where;
};

struct Endpoint {
  std::string name;
  std::vector<IpAddress> targets;
  uint32_t priority = 0;  // 0: not given
  bool enabled = true;
  Location where;
};

struct Profile {
  std::string name;
  std::string fqdn;
  std::string routing = "priority";
  uint32_t ttl = 30;
  std::vector<Endpoint> endpoints;
  Location where;
  Location fqdn_where;
};

struct Config {
  std::string path;
  DnsSettings dns;
  std::vector<Zone> zones;
  std::vector<Profile> profiles;
};

}  // namespace gtm::config
