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

using gtm::Subnet;

// Response rate limiting on UDP, as in BIND, Knot and NSD: each client
// prefix gets `responses_per_second` of each distinct response; past that,
// responses are dropped, every `slip`-th one sent truncated instead (so a
// real client retries over TCP, which is never limited).
struct RrlSettings {
  bool enabled = true;
  unsigned responses_per_second = 20;
  unsigned slip = 2;  // 0: never slip, 1: every limited response slips
  uint8_t ipv4_prefix = 24;
  uint8_t ipv6_prefix = 56;
  std::vector<Subnet> exempt = {*Subnet::parse("127.0.0.0/8"), *Subnet::parse("::1/128")};
  unsigned table_size = 65536;  // buckets; rounded up to a power of two
  Location where;
};

// Fixed at start: changing these needs a restart.
struct DnsSettings {
  std::vector<SocketAddress> listen;
  unsigned threads = 0;               // 0: one per CPU
  uint16_t max_udp_payload = 1232;    // cap on the EDNS payload size we answer with
  unsigned udp_batch_wait_us = 50;    // pause after a small batch of UDP queries (dns/server/batch_wait.hpp)
  double tcp_idle_timeout = 10.0;     // seconds
  unsigned tcp_max_connections = 1024;  // all threads together
  unsigned tcp_max_connections_per_client = 16;  // per client address
  RrlSettings rrl;
  std::string user;                   // when started as root: run as this user once the sockets are open
  std::string xdp_interface;          // AF_XDP mode on this interface; empty: kernel sockets only
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

// A DNSSEC key pair as ldns-keygen writes it: PATH.key (the DNSKEY record)
// and PATH.private, both read at load (as root).
struct DnssecKey {
  std::string path;  // without .key / .private
  std::string public_text, private_text;
  bool publish_only = false;  // in the DNSKEY RRset, signing nothing (a rollover's next key)
  Location where;
};

// [[zone]] dnssec = { keys = [...], ... }: the zone is signed.
struct Dnssec {
  std::vector<DnssecKey> keys;
  uint32_t signature_validity_days = 14;
  uint32_t refresh_days = 4;  // signatures are made again this long before they expire
  // Tests only: signatures valid this many seconds, made again halfway.
  uint32_t test_validity_seconds = 0;
  Location where;

  [[nodiscard]] uint32_t validitySeconds() const {
    return test_validity_seconds ? test_validity_seconds : signature_validity_days * 86400;
  }
  [[nodiscard]] uint32_t refreshSeconds() const {
    return test_validity_seconds ? test_validity_seconds / 2 : refresh_days * 86400;
  }
};

// [[tsig_key]]: a shared secret for zone transfers and NOTIFY (RFC 8945).
struct TsigKey {
  enum class Algorithm { hmac_sha256, hmac_sha384, hmac_sha512 };
  std::string name;  // the key name the secondaries use, e.g. "xfr"
  Algorithm algorithm = Algorithm::hmac_sha256;
  std::string secret_file;
  std::string secret;  // the decoded bytes, read at load (as root)
  Location where;
};

// [[zone]] transfer = { ... }: gtm as a (hidden) primary. Standard
// secondaries take the zone by AXFR/IXFR and are told of each new serial.
struct Transfer {
  std::vector<Subnet> allow;         // who may transfer
  std::string tsig;                  // a [[tsig_key]] name; empty: unsigned
  std::vector<SocketAddress> notify;  // told of every new serial (port 53 unless given)
  uint32_t journal = 1000;           // how many changes IXFR can bridge
  Location where;
};

struct Zone {
  std::string origin;
  uint32_t ttl = 3600;
  std::vector<std::string> ns;
  Soa soa;
  std::vector<Record> records;
  std::optional<Dnssec> dnssec;
  std::optional<Transfer> transfer;
  Location where;
  Location ns_where;
};

// A range of HTTP status codes, both ends included ("401" is 401-401).
struct StatusRange {
  int low = 0;
  int high = 0;
};

struct Monitor {
  enum class Protocol { sstp, ikev2, https, http, tcp, radius, gtm_lb, crl };
  enum class SstpMode { status, handshake };
  // ikev2: what passes. alive: any IKE answer, a refusing notify included
  // (the daemon runs); sa: only an answer that would set up an IKE SA (the
  // full IKE_SA_INIT response, or INVALID_KE_PAYLOAD / COOKIE on the way).
  enum class IkeExpect { alive, sa };
  std::string name;
  Protocol protocol = Protocol::tcp;
  uint16_t port = 0;                 // 0: the protocol's default
  double interval = 10.0;            // seconds
  double timeout = 5.0;              // seconds, less than interval
  unsigned tolerated_failures = 3;   // consecutive failures tolerated while Online
  unsigned rise = 1;                 // consecutive successes back to Online
  SstpMode sstp_mode = SstpMode::status;
  std::string path;                  // empty: the protocol's default
  std::vector<StatusRange> expected_status;  // empty: the protocol's default
  std::vector<std::pair<std::string, std::string>> headers;
  std::string host;                  // Host header and TLS SNI
  bool verify_tls = false;
  std::string ca_file;               // PEM CAs to trust instead of the system's (verify_tls)
  std::string ca_pem;                // its contents, read at load
  unsigned warn_cert_days = 21;
  bool nat_t = false;
  uint16_t ike_dh_group = 19;        // the group of the KE payload we send
  IkeExpect ike_expect = IkeExpect::alive;
  // A full IKE_SA_INIT response without IKEV2_FRAGMENTATION_SUPPORTED fails
  // (certificate logins break where IP fragments are dropped: error 809).
  bool ike_require_fragmentation = false;
  // radius: accept passes only Access-Accept (a test account NPS lets in);
  // answer passes Access-Reject too (alive, and the secret is right).
  enum class RadiusExpect { accept, answer };
  enum class RadiusMode { access, status_server };  // Access-Request, or Status-Server (RFC 5997)
  RadiusExpect radius_expect = RadiusExpect::accept;
  RadiusMode radius_mode = RadiusMode::access;
  // Replies without a Message-Authenticator are discarded (Blast-RADIUS,
  // CVE-2024-3596); without it they are only once the server sent one.
  bool radius_require_message_authenticator = false;
  std::string username;                 // the test account
  std::string password_file, password;  // its password (the file's first line, read at load)
  std::string secret_file, secret;      // the shared secret (likewise)
  // gtm-lb: a gtm lb's status API, Online while each service has at least
  // min_reals real servers taking new clients. With url, that balancer is
  // read whatever the target; without, the target's `port` and `path`.
  std::string url;                       // as written
  std::optional<IpAddress> url_address;  // the balancer named by url
  bool url_tls = false;                  // https
  std::vector<std::string> lb_services;  // service / services; empty: those whose VIP is the target
  unsigned min_reals = 1;
  std::string token_file, token;         // a bearer token for the status API (the file's first line)
  // crl: the CRL at `url` (http://; port and path from it, the Host header
  // its host; fetched from the url's address when it is an IP literal, else
  // from each target), judged against the issuers in ca_file (ca_pem).
  unsigned warn_crl_hours = 24;          // a warning when nextUpdate is nearer
  // sstp and https with verify_tls: each certificate of the presented chain
  // checked as Windows checks it (its http:// CRL distribution points and
  // OCSP responder); a failure warns, or makes the check fail (degraded).
  enum class RevocationFailure { warn, degraded };
  bool check_revocation = false;
  RevocationFailure revocation_failure = RevocationFailure::warn;
  double crl_refresh = 300;              // seconds a CRL or OCSP answer is kept (at most to its nextUpdate)
  std::optional<IpAddress> source;   // probe from this local address
  Location where;
};

// depends_on = [{ monitor = "nps", targets = [...], min_online = 1 }]: an
// endpoint is Online only while at least min_online of these targets pass
// that monitor (its RRAS servers' NPS, say).
struct Dependency {
  std::string monitor;
  std::vector<IpAddress> targets;
  unsigned min_online = 1;
  Location where;
};

// A place on the WGS-84 globe, in degrees.
struct GeoPoint {
  double lat = 0;  // -90 (south) to 90 (north)
  double lon = 0;  // -180 (west) to 180 (east)
};

struct Endpoint {
  std::string name;
  std::vector<IpAddress> targets;          // empty when `profile` names a child
  std::string profile;                     // a nested profile instead of targets
  unsigned min_child_endpoints = 1;
  std::vector<IpAddress> monitor_targets;  // empty: probe the targets
  uint32_t priority = 0;  // 0: not given
  uint32_t weight = 1;
  std::vector<Subnet> subnets;
  bool enabled = true;
  bool always_serve = false;               // not monitored: Unmonitored, always eligible
  std::vector<Dependency> depends_on;
  std::vector<std::string> regions;        // routing = geographic: "EU", "DE", "US-CA", "WORLD"
  bool fallback = false;                   // geographic: answered when no mapped endpoint can be
  std::optional<GeoPoint> location;        // routing = performance: where the site is
  uint32_t capacity = 0;                   // weight_from = "reals": real servers at full strength
  Location where;
  Location regions_where;
};

struct Profile {
  enum class Routing { priority, weighted, multivalue, subnet, geographic, performance };
  std::string name;
  std::string fqdn;
  Routing routing = Routing::priority;
  bool affinity_subnet = false;  // weighted: draw by a hash of the client subnet
  unsigned max_answers = 2;      // multivalue
  bool fail_closed = false;      // all_degraded = "fail-closed": NODATA when every endpoint is Degraded
  bool geo_nearest = true;       // geo_fallback = "nearest" (default) or "none"
  std::string latency_table;     // performance: a CSV of prefix,endpoint,rtt_ms
  // weighted: scale each endpoint's weight by the real servers its gtm-lb
  // monitor reports (gtm_lb), or by that over its capacity (reals).
  enum class WeightFrom { none, gtm_lb, reals };
  WeightFrom weight_from = WeightFrom::none;
  uint32_t ttl = 30;
  std::vector<std::string> monitors;
  std::vector<Endpoint> endpoints;
  Location where;
  Location fqdn_where;
  Location monitors_where;
  Location latency_where;
};

// gtm lb: the nftables table it owns.
struct LbSettings {
  std::string table = "gtm_lb";
  Location where;
};

struct RealServer {
  std::string name;
  IpAddress address;
  uint32_t weight = 1;
  bool drain = false;  // out of the table for new clients, flows left alone
  std::vector<Dependency> depends_on;
  Location where;
};

// One layer-4 service: a VIP and its ports, balanced over real servers by
// Maglev on the client address, so that a client keeps its real server on
// every port of the service (IKEv2's 500 and 4500).
struct Service {
  enum class Protocol { udp, tcp };
  std::string name;
  IpAddress vip;
  Protocol protocol = Protocol::udp;
  std::vector<uint16_t> ports;
  std::vector<std::string> monitors;
  std::vector<RealServer> reals;
  Location where;
  Location monitors_where;
};

// The status server (read at start).
// [[status.token]]: a named token (token_file is an operator named "admin").
struct StatusToken {
  std::string name;
  std::string file;
  std::string secret;  // its first line, read at load
  enum class Role { viewer, operator_ } role = Role::operator_;  // operator: may control
  Location where;
};

struct StatusSettings {
  std::optional<SocketAddress> listen;  // none: no status server
  std::string token_file;               // none: control calls are off
  std::string token;                    // its first line, read at load
  std::vector<StatusToken> tokens;      // token_file's first (as "admin"), then [[status.token]]
  bool read_needs_token = false;        // read = "token": every GET but /healthz needs one
  std::string state_file;               // where admin overrides are kept
  // The event journal: JSON lines; default events.jsonl beside state_file,
  // none (memory only) without it. "none" turns the file off.
  std::string event_log;
  uint64_t event_log_max = 64ull * 1024 * 1024;  // bytes, then rotated to one .1 file
  std::vector<std::string> allowed_hosts;  // Host names answered besides IP literals and localhost
  bool endpoint_metrics = true;         // false: metrics per profile only
  bool traffic_view = true;             // count answers by client network (Traffic View)
  Location where;
};

// [geoip]: the MaxMind DB file geographic profiles locate clients with.
struct GeoipSettings {
  std::string database;  // empty: none
  Location where;
};

struct LogSettings {
  bool json = false;  // format = "json"; default "logfmt"
  bool debug = false;  // level = "debug"
};

// [cluster]: several gtm nodes sharing health and admin state through etcd.
// Read at start only.
struct ClusterSettings {
  bool enabled = false;            // the table is there
  std::string node;                // this node's name; default: the host name
  std::vector<std::string> etcd;   // "http://198.18.50.11:2379", "https://...", ...
  // HTTPS to etcd: CAs to trust (default: the system's), a client
  // certificate and its key; the files' contents are read at load (as root).
  std::string ca_file, cert_file, key_file;
  std::string ca_pem, cert_pem, key_pem;
  // etcd authentication: a user, and the file holding its password.
  std::string username, password_file, password;
  std::string prefix = "/gtm/";    // every key under it
  enum class Agreement { majority, all, any, local };
  Agreement agreement = Agreement::majority;
  unsigned lease_ttl = 5;          // seconds
  Location where;
};

struct Config {
  std::string path;
  ClusterSettings cluster;
  DnsSettings dns;
  StatusSettings status;
  LogSettings log;
  LbSettings lb;
  GeoipSettings geoip;
  std::vector<Service> services;
  std::vector<TsigKey> tsig_keys;
  std::vector<Zone> zones;
  std::vector<Monitor> monitors;
  std::vector<Profile> profiles;
};

}  // namespace gtm::config
