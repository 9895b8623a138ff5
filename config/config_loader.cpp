#include "config/config_loader.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/http_url.hpp"
#include "common/small_file.hpp"
#include "config/table_reader.hpp"
#include "config/toml_bounds.hpp"
#include "config/status_reader.hpp"
#include "config/zone_reader.hpp"

namespace gtm::config {
namespace {

// Calls fn for each table of the array `key`; anything else in it is an
// error, reported as "<what>: expected a table".
template <typename Fn>
void forEachTable(TableReader& r, std::string_view key, std::string_view what, Diagnostics& diag, Fn fn) {
  const toml::array* arr = r.array(key);
  if (!arr) return;
  for (const toml::node& item : *arr) {
    if (const toml::table* t = item.as_table())
      fn(*t);
    else
      diag.error(locationOf(item), std::string(what) + ": expected a table");
  }
}

void readRrl(const toml::table* t, RrlSettings& rrl, Diagnostics& diag) {
  if (!t) return;
  TableReader r(*t, "[dns.rrl]", diag);
  rrl.where = r.where();
  assign(rrl.enabled, r.boolean("enabled"));
  assign(rrl.responses_per_second, r.integer("responses_per_second", 1, 1000000));
  assign(rrl.slip, r.integer("slip", 0, 10));
  assign(rrl.ipv4_prefix, r.integer("ipv4_prefix", 1, 32));
  assign(rrl.ipv6_prefix, r.integer("ipv6_prefix", 1, 128));
  if (t->get("exempt")) rrl.exempt = r.subnetList("exempt");
  assign(rrl.table_size, r.integer("table_size", 1024, 16777216));
  r.finish();
}

void readDns(const toml::table* t, Config& cfg, Diagnostics& diag) {
  DnsSettings& dns = cfg.dns;
  if (!t) {
    dns.listen.push_back(*SocketAddress::parse("127.0.0.1:53", 53));
    return;
  }
  TableReader r(*t, "[dns]", diag);
  dns.where = r.where();
  auto listen = r.stringList("listen");
  if (listen.empty()) listen.push_back("127.0.0.1:53");
  for (const auto& text : listen) {
    auto sa = SocketAddress::parse(text, 53);
    if (!sa) {
      r.error("listen", sa.error());
      continue;
    }
    dns.listen.push_back(*sa);
  }
  assign(dns.threads, r.integer("threads", 0, 256));
  assign(dns.max_udp_payload, r.integer("max_udp_payload", 512, 4096));
  assign(dns.udp_batch_wait_us, r.integer("udp_batch_wait_us", 0, 1000));
  assign(dns.tcp_idle_timeout, r.number("tcp_idle_timeout", 0.1, 300));
  assign(dns.tcp_max_connections, r.integer("tcp_max_connections", 1, 1000000));
  assign(dns.tcp_max_connections_per_client, r.integer("tcp_max_connections_per_client", 1, 1000000));
  assign(dns.user, r.string("user"));
  assign(dns.xdp_interface, r.string("xdp_interface"));
  if (dns.xdp_interface.size() >= 16) r.error("xdp_interface", "an interface name has at most 15 characters");
  readRrl(r.table("rrl"), dns.rrl, diag);
  r.finish();
}

std::optional<StatusRange> parseStatusRange(const std::string& text) {
  auto dash = text.find('-');
  auto number = [](const std::string& s) -> int {
    if (s.size() != 3 || s.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoi(s);
  };
  int low = number(text.substr(0, dash));
  int high = dash == std::string::npos ? low : number(text.substr(dash + 1));
  if (low < 100 || high < low || high > 599) return std::nullopt;
  return StatusRange{low, high};
}

// radius monitors: the shared secret always; the test account's name and
// password for Access-Request (not for Status-Server). Secrets are read now,
// as root.
void readRadius(TableReader& r, Monitor& m) {
  assign(m.radius_expect, r.choice<Monitor::RadiusExpect>(
                              "radius_expect", {{"accept", Monitor::RadiusExpect::accept}, {"answer", Monitor::RadiusExpect::answer}}));
  assign(m.radius_mode, r.choice<Monitor::RadiusMode>(
                            "radius_mode", {{"access", Monitor::RadiusMode::access},
                                            {"status-server", Monitor::RadiusMode::status_server}}));
  auto secret = [&](const char* key, std::string& file, std::string& value, bool required) {
    auto path = r.string(key, required);
    if (!path) return;
    file = *path;
    if (auto line = readSecretLine(*path); !line)
      r.error(key, line.error());
    else
      value = *line;
  };
  assign(m.radius_require_message_authenticator, r.boolean("radius_require_message_authenticator"));
  secret("secret_file", m.secret_file, m.secret, true);
  bool access = m.radius_mode == Monitor::RadiusMode::access;
  assign(m.username, r.string("username", access));
  if (m.username.size() > 253) r.error("username", "at most 253 bytes");
  secret("password_file", m.password_file, m.password, access);
  if (m.password.size() > 128) r.error("password_file", "the password has at most 128 bytes (RFC 2865 5.2)");
}

// gtm-lb monitors: which balancer (url, or each target's port and path),
// which of its services, how many real servers each needs.
void readGtmLb(const toml::table& t, TableReader& r, Monitor& m) {
  if (auto url = r.string("url")) {
    m.url = *url;
    if (auto parsed = parseHttpUrl(*url, 0); !parsed) {
      r.error("url", parsed.error());
    } else if (auto address = IpAddress::parse(parsed->host); !address) {
      r.error("url", "names the balancer by its address (an IP literal), not \"" + parsed->host + "\"");
    } else if (parsed->port == 0) {
      r.error("url", "needs the status server's port, e.g. \"http://198.18.1.5:9100/api/v1/status\"");
    } else {
      m.url_address = address;
      m.url_tls = parsed->tls;
      m.port = parsed->port;
      m.path = parsed->path;
    }
    for (const char* key : {"port", "path"})
      if (t.get(key)) r.error(key, "is given by url");
  } else if (!t.get("port")) {
    r.error("protocol", "gtm-lb monitors need url = \"http://BALANCER:PORT/api/v1/status\", or port = the "
                        "status server's port to read at each target");
  }
  if (!m.url_tls)
    for (const char* key : {"verify_tls", "ca_file", "warn_cert_days"})
      if (t.get(key)) r.error(key, "applies to gtm-lb monitors with an https:// url only");
  if (auto one = r.string("service")) {
    if (t.get("services")) r.error("service", "give service or services, not both");
    m.lb_services.push_back(*one);
  }
  for (const std::string& name : r.stringList("services")) m.lb_services.push_back(name);
  for (const std::string& name : m.lb_services)
    if (name.empty() || name.size() > 63 || name.find_first_of("\" \t\r\n") != std::string::npos)
      r.error(t.get("service") ? "service" : "services", "\"" + name + "\" is not a gtm lb service name");
  assign(m.min_reals, r.integer("min_reals", 1, 1000));
  if (auto file = r.string("token_file")) {
    m.token_file = *file;
    if (auto token = readSecretLine(*file); !token)
      r.error("token_file", token.error());
    else
      m.token = *token;
    // A balancer's status page needs no token to be read; one sent over
    // plain HTTP on every probe would cross the network in clear.
    if (!m.url_tls)
      r.error("token_file", "is sent only over https:// (the balancer's GET /api/v1/status needs none); give an "
                            "https:// url or leave it out");
  }
}

// crl monitors: the CRL's url (plain HTTP, as CRL distribution points
// are), the issuer (ca_file, required) and how many hours ahead of
// nextUpdate to warn.
void readCrl(const toml::table& t, TableReader& r, Monitor& m) {
  if (auto url = r.string("url", true)) {
    m.url = *url;
    auto parsed = parseHttpUrl(*url, 80);
    if (url->rfind("ldap://", 0) == 0) {
      r.error("url", "LDAP distribution points are not checked: give the CRL's http:// URL");
    } else if (!parsed) {
      r.error("url", parsed.error());
    } else if (parsed->tls) {
      r.error("url", "a CRL is fetched over plain http:// (as Windows fetches distribution points)");
    } else {
      m.url_address = IpAddress::parse(parsed->host);
      m.port = parsed->port;
      m.path = parsed->path;
      if (m.host.empty()) m.host = parsed->host;
    }
  }
  for (const char* key : {"port", "path"})
    if (t.get(key)) r.error(key, "is given by url");
  if (!t.get("ca_file")) r.error("ca_file", "is required: the CA that issues the CRL (PEM), to check its signature");
  assign(m.warn_crl_hours, r.integer("warn_crl_hours", 0, 24 * 365));
}

// check_revocation on sstp and https: what to do when it fails, how long
// a CRL or OCSP answer is kept, how early an expiring CRL warns.
void readRevocation(TableReader& r, Monitor& m) {
  using F = Monitor::RevocationFailure;
  assign(m.check_revocation, r.boolean("check_revocation"));
  if (m.check_revocation && !m.verify_tls)
    r.error("check_revocation", "needs verify_tls = true: the chain it walks is the one verification builds");
  assign(m.revocation_failure, r.choice<F>("revocation_failure", {{"warn", F::warn}, {"degraded", F::degraded}}));
  assign(m.crl_refresh, r.number("crl_refresh", 1, 86400));
  assign(m.warn_crl_hours, r.integer("warn_crl_hours", 0, 24 * 365));
}

void readMonitor(const toml::table& t, Config& cfg, Diagnostics& diag) {
  using P = Monitor::Protocol;
  Monitor m;
  TableReader r(t, "[[monitor]]", diag);
  m.where = r.where();
  assign(m.name, r.name("name"));
  assign(m.protocol, r.choice<P>("protocol", {{"sstp", P::sstp}, {"ikev2", P::ikev2}, {"https", P::https},
                                              {"http", P::http}, {"tcp", P::tcp}, {"radius", P::radius},
                                              {"gtm-lb", P::gtm_lb}, {"crl", P::crl}}, true));
  const bool web = m.protocol == P::sstp || m.protocol == P::https || m.protocol == P::http;
  const bool lb = m.protocol == P::gtm_lb;
  const bool tls = m.protocol == P::sstp || m.protocol == P::https || lb;
  const bool crl = m.protocol == P::crl;
  // Keys that mean nothing for this protocol are errors, not silently ignored.
  auto onlyFor = [&](const char* key, bool allowed, const char* which) {
    if (t.get(key) && !allowed) r.error(key, std::string("applies only to ") + which + " monitors");
  };
  onlyFor("path", web || lb, "sstp, https, http and gtm-lb");
  onlyFor("expected_status", web, "sstp, https and http");
  onlyFor("headers", web, "sstp, https and http");
  onlyFor("host", web || lb || crl, "sstp, https, http, gtm-lb and crl");
  onlyFor("verify_tls", tls, "sstp, https and gtm-lb");
  onlyFor("warn_cert_days", tls, "sstp, https and gtm-lb");
  onlyFor("ca_file", tls || crl, "sstp, https, gtm-lb and crl");
  const bool revocation = m.protocol == P::sstp || m.protocol == P::https;
  onlyFor("check_revocation", revocation, "sstp and https");
  for (const char* key : {"revocation_failure", "crl_refresh"})
    if (t.get(key) && !t.get("check_revocation")) r.error(key, "applies only with check_revocation = true");
  if (t.get("warn_crl_hours") && !crl && !t.get("check_revocation"))
    r.error("warn_crl_hours", "applies only to crl monitors and with check_revocation = true");
  onlyFor("sstp_mode", m.protocol == P::sstp, "sstp");
  onlyFor("nat_t", m.protocol == P::ikev2, "ikev2");
  onlyFor("ike_dh_group", m.protocol == P::ikev2, "ikev2");
  onlyFor("ike_expect", m.protocol == P::ikev2, "ikev2");
  onlyFor("ike_require_fragmentation", m.protocol == P::ikev2, "ikev2");
  for (const char* key : {"username", "password_file", "secret_file", "radius_expect", "radius_mode",
                          "radius_require_message_authenticator"})
    onlyFor(key, m.protocol == P::radius, "radius");
  onlyFor("url", lb || crl, "gtm-lb and crl");
  for (const char* key : {"service", "services", "min_reals", "token_file"}) onlyFor(key, lb, "gtm-lb");

  assign(m.nat_t, r.boolean("nat_t"));
  uint16_t default_port = m.protocol == P::http     ? 80
                          : m.protocol == P::ikev2  ? (m.nat_t ? 4500 : 500)
                          : m.protocol == P::radius ? 1812
                                                    : 443;
  if (auto port = r.integer("port", 1, 65535, m.protocol == P::tcp))
    m.port = static_cast<uint16_t>(*port);
  else
    m.port = m.protocol == P::tcp ? 0 : default_port;
  assign(m.interval, r.number("interval", 0.1, 3600));
  m.timeout = std::min(5.0, m.interval / 2);
  assign(m.timeout, r.number("timeout", 0.05, 3600));
  if (m.timeout >= m.interval) r.error("timeout", "must be less than interval");
  assign(m.tolerated_failures, r.integer("tolerated_failures", 0, 9));
  assign(m.rise, r.integer("rise", 1, 100));
  assign(m.sstp_mode, r.choice<Monitor::SstpMode>(
                         "sstp_mode", {{"status", Monitor::SstpMode::status}, {"handshake", Monitor::SstpMode::handshake}}));
  m.path = m.protocol == P::sstp ? "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/" : lb ? "/api/v1/status" : "/";
  if (auto path = r.string("path")) {
    if (path->empty() || path->front() != '/' || path->find_first_of(" \r\n") != std::string::npos)
      r.error("path", "must start with '/' and hold no spaces or line breaks");
    else
      m.path = *path;
  }
  auto statuses = r.stringList("expected_status");
  if (statuses.size() > 8) r.error("expected_status", "at most 8 ranges");
  for (const std::string& text : statuses) {
    auto range = parseStatusRange(text);
    if (!range)
      r.error("expected_status", "\"" + text + "\" is not a status code or range like \"200-299\"");
    else
      m.expected_status.push_back(*range);
  }
  if (m.expected_status.empty()) m.expected_status.push_back(m.protocol == P::sstp ? StatusRange{401, 401}
                                                                                    : StatusRange{200, 200});
  if (const toml::table* headers = r.table("headers")) {
    for (const auto& [key, value] : *headers) {
      std::string name(key.str());
      const std::string* text = value.is_string() ? &value.as_string()->get() : nullptr;
      bool clean = name.find_first_of(": \r\n") == std::string::npos && !name.empty() &&
                   text && text->find_first_of("\r\n") == std::string::npos;
      if (!clean)
        diag.error(locationOf(value), "[[monitor]] headers: \"" + name + "\" needs a string value and a name "
                                      "without ':', spaces or line breaks");
      else
        m.headers.emplace_back(name, *text);
    }
  }
  if (auto host = r.string("host")) {
    if (host->empty() || host->find_first_of(" \t\r\n") != std::string::npos)
      r.error("host", "must be a host name without spaces or line breaks");
    else
      m.host = *host;
  }
  assign(m.verify_tls, r.boolean("verify_tls"));
  // Without a name, verification would accept any certificate the CA signed.
  if (m.verify_tls && m.host.empty())
    r.error("verify_tls", "needs host = the name the site's certificate must carry (the VPN FQDN)");
  if (auto ca = r.string("ca_file")) {
    if (auto pem = readSmallFile(*ca); !pem)
      r.error("ca_file", pem.error());
    else if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      r.error("ca_file", "\"" + *ca + "\" holds no PEM certificate");
    else
      m.ca_pem = *pem;
    m.ca_file = *ca;
  }
  assign(m.warn_cert_days, r.integer("warn_cert_days", 0, 3650));
  if (revocation) readRevocation(r, m);
  if (m.protocol == P::radius) readRadius(r, m);
  if (lb) readGtmLb(t, r, m);
  if (crl) readCrl(t, r, m);
  if (auto group = r.integer("ike_dh_group", 1, 65535)) {
    if (*group != 14 && *group != 19 && *group != 20)
      r.error("ike_dh_group", "the KE payload can be of group 14, 19 or 20");
    else
      m.ike_dh_group = static_cast<uint16_t>(*group);
  }
  assign(m.ike_expect, r.choice<Monitor::IkeExpect>("ike_expect", {{"alive", Monitor::IkeExpect::alive},
                                                                    {"sa", Monitor::IkeExpect::sa}}));
  assign(m.ike_require_fragmentation, r.boolean("ike_require_fragmentation"));
  m.source = r.address("source");
  r.finish();
  cfg.monitors.push_back(std::move(m));
}

// depends_on = [{ monitor, targets, min_online }], of an endpoint or a real server.
std::vector<Dependency> readDependencies(TableReader& r, Diagnostics& diag) {
  std::vector<Dependency> out;
  const toml::array* deps = r.array("depends_on");
  if (!deps) return out;
  for (const toml::node& item : *deps) {
    const toml::table* dt = item.as_table();
    if (!dt) {
      diag.error(locationOf(item), "depends_on: each is a table { monitor, targets, min_online }");
      continue;
    }
    TableReader dr(*dt, "depends_on", diag);
    Dependency d;
    d.where = dr.where();
    assign(d.monitor, dr.string("monitor", true));
    d.targets = dr.addressList("targets", true);
    if (d.targets.empty() && dt->get("targets")) dr.error("targets", "needs at least one address");
    assign(d.min_online, dr.integer("min_online", 1, 1000));
    if (!d.targets.empty() && d.min_online > d.targets.size())
      dr.error("min_online", "is more than the " + std::to_string(d.targets.size()) + " targets");
    dr.finish();
    out.push_back(std::move(d));
  }
  return out;
}

void readEndpoint(const toml::table& t, Profile& p, Diagnostics& diag) {
  Endpoint e;
  TableReader r(t, "[[profile.endpoint]]", diag);
  e.where = r.where();
  assign(e.name, r.name("name"));
  assign(e.profile, r.string("profile"));
  if (t.get("profile") && t.get("target")) r.error("target", "give either target or profile, not both");
  e.targets = r.addressList("target", e.profile.empty() && !t.get("profile"));
  if (e.targets.empty() && t.get("target")) r.error("target", "needs at least one address");
  e.monitor_targets = r.addressList("monitor_target");
  assign(e.priority, r.integer("priority", 1, 1000));
  assign(e.weight, r.integer("weight", 1, 1000));
  assign(e.capacity, r.integer("capacity", 1, 100000));
  assign(e.enabled, r.boolean("enabled"));
  assign(e.always_serve, r.boolean("always_serve"));
  assign(e.min_child_endpoints, r.integer("min_child_endpoints", 1, 1000));
  if (t.get("min_child_endpoints") && e.profile.empty()) r.error("min_child_endpoints", "applies only to a nested profile endpoint");
  e.subnets = r.subnetList("subnets");
  e.regions = r.stringList("regions");
  e.regions_where = r.where("regions");
  assign(e.fallback, r.boolean("fallback"));
  if (const toml::table* at = r.table("location")) {
    TableReader lr(*at, "location", diag);
    auto lat = lr.number("lat", -90, 90, true), lon = lr.number("lon", -180, 180, true);
    lr.finish();
    if (lat && lon) e.location = GeoPoint{*lat, *lon};
  }
  e.depends_on = readDependencies(r, diag);
  r.finish();
  p.endpoints.push_back(std::move(e));
}

void readProfile(const toml::table& t, Config& cfg, Diagnostics& diag) {
  Profile p;
  TableReader r(t, "[[profile]]", diag);
  p.where = r.where();
  assign(p.name, r.name("name"));
  assign(p.fqdn, r.string("fqdn", true));
  p.fqdn_where = r.where("fqdn");
  using R = Profile::Routing;
  assign(p.routing, r.choice<R>("routing", {{"priority", R::priority}, {"weighted", R::weighted},
                                            {"multivalue", R::multivalue}, {"subnet", R::subnet},
                                            {"geographic", R::geographic}, {"performance", R::performance}}));
  assign(p.geo_nearest, r.choice<bool>("geo_fallback", {{"nearest", true}, {"none", false}}));
  if (t.get("geo_fallback") && p.routing != R::geographic)
    r.error("geo_fallback", "applies only to routing = \"geographic\"");
  using W = Profile::WeightFrom;
  assign(p.weight_from, r.choice<W>("weight_from", {{"gtm-lb", W::gtm_lb}, {"reals", W::reals}}));
  if (t.get("weight_from") && p.routing != R::weighted) r.error("weight_from", "applies only to routing = \"weighted\"");
  assign(p.latency_table, r.string("latency_table"));
  p.latency_where = r.where("latency_table");
  if (t.get("latency_table") && p.routing != R::performance)
    r.error("latency_table", "applies only to routing = \"performance\"");
  assign(p.affinity_subnet, r.choice<bool>("affinity", {{"none", false}, {"subnet", true}}));
  if (t.get("affinity") && p.routing != R::weighted) r.error("affinity", "applies only to routing = \"weighted\"");
  assign(p.max_answers, r.integer("max_answers", 1, 10));
  if (t.get("max_answers") && p.routing != Profile::Routing::multivalue)
    r.error("max_answers", "applies only to routing = \"multivalue\"");
  assign(p.fail_closed, r.choice<bool>("all_degraded", {{"fail-open", false}, {"fail-closed", true}}));
  assign(p.ttl, r.integer("ttl", 0, kMaxTtl));
  p.monitors = r.stringList("monitors");
  p.monitors_where = r.where("monitors");
  forEachTable(r, "endpoint", "[[profile]] endpoint", diag, [&](const toml::table& et) { readEndpoint(et, p, diag); });
  if (p.endpoints.empty()) r.error("endpoint", "a profile needs at least one [[profile.endpoint]]");
  r.finish();
  cfg.profiles.push_back(std::move(p));
}

void readService(const toml::table& t, Config& cfg, Diagnostics& diag) {
  Service svc;
  TableReader r(t, "[[service]]", diag);
  svc.where = r.where();
  assign(svc.name, r.name("name"));
  assign(svc.vip, r.address("vip", true));
  using SP = Service::Protocol;
  assign(svc.protocol, r.choice<SP>("protocol", {{"udp", SP::udp}, {"tcp", SP::tcp}}, true));
  if (const toml::array* ports = r.array("ports")) {
    for (const toml::node& p : *ports) {
      auto v = p.value<int64_t>();
      if (!p.is_integer() || *v < 1 || *v > 65535)
        diag.error(locationOf(p), "[[service]] ports: each port is a number from 1 to 65535");
      else
        svc.ports.push_back(static_cast<uint16_t>(*v));
    }
  }
  if (svc.ports.empty()) r.error("ports", "a service needs at least one port");
  svc.monitors = r.stringList("monitors");
  svc.monitors_where = r.where("monitors");
  forEachTable(r, "real", "[[service]] real", diag, [&](const toml::table& rt) {
    TableReader rr(rt, "[[service.real]]", diag);
    RealServer real;
    real.where = rr.where();
    assign(real.name, rr.name("name"));
    if (auto ip = rr.address("address", true)) {
      if (ip->family != svc.vip.family)
        rr.error("address", "must be of the VIP's address family");
      else
        real.address = *ip;
    }
    assign(real.weight, rr.integer("weight", 1, 1000));
    assign(real.drain, rr.boolean("drain"));
    real.depends_on = readDependencies(rr, diag);
    rr.finish();
    svc.reals.push_back(std::move(real));
  });
  if (svc.reals.empty()) r.error("real", "a service needs at least one [[service.real]]");
  r.finish();
  cfg.services.push_back(std::move(svc));
}

// [cluster] ca_file, cert_file, key_file: PEM files for HTTPS to etcd, read
// now (as root). The certificate and the key come together.
void readClusterTls(TableReader& cr, ClusterSettings& c, bool https) {
  auto pemFile = [&](const char* key, std::string& file, std::string& pem, const char* marker) {
    auto path = cr.string(key);
    if (!path) return;
    file = *path;
    if (!https) cr.error(key, "is for https:// etcd endpoints, and every one is http://");
    if (auto text = readSmallFile(*path); !text)
      cr.error(key, text.error());
    else if (text->find(marker) == std::string::npos)
      cr.error(key, "\"" + *path + "\" holds no PEM " + (std::string(marker).find("CERT") != std::string::npos ? "certificate" : "private key"));
    else
      pem = *text;
  };
  pemFile("ca_file", c.ca_file, c.ca_pem, "-----BEGIN CERTIFICATE-----");
  pemFile("cert_file", c.cert_file, c.cert_pem, "-----BEGIN CERTIFICATE-----");
  pemFile("key_file", c.key_file, c.key_pem, "PRIVATE KEY-----");
  if (c.cert_file.empty() != c.key_file.empty())
    cr.error(c.cert_file.empty() ? "key_file" : "cert_file", "cert_file and key_file come together");
}

}  // namespace

LoadResult loadString(std::string_view text, const std::string& path) {
  LoadResult out{Config{}, Diagnostics(path)};
  out.config.path = path;
  toml::table root;
  if (auto bad = checkTomlBounds(text)) {
    out.diagnostics.error(bad->where, bad->message);
    return out;
  }
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    out.diagnostics.error({static_cast<uint32_t>(b.line), static_cast<uint32_t>(b.column)},
                          std::string(e.description()));
    return out;
  }
  Diagnostics& diag = out.diagnostics;
  TableReader r(root, "config", diag);
  readDns(r.table("dns"), out.config, diag);
  forEachTable(r, "tsig_key", "[[tsig_key]]", diag, [&](const toml::table& t) { readTsigKey(t, out.config, diag); });
  forEachTable(r, "zone", "[[zone]]", diag, [&](const toml::table& t) { readZone(t, out.config, diag); });
  forEachTable(r, "monitor", "[[monitor]]", diag, [&](const toml::table& t) { readMonitor(t, out.config, diag); });
  forEachTable(r, "service", "[[service]]", diag, [&](const toml::table& t) { readService(t, out.config, diag); });
  if (const toml::table* cl = r.table("cluster")) {
    TableReader cr(*cl, "[cluster]", diag);
    ClusterSettings& c = out.config.cluster;
    c.enabled = true;
    c.where = cr.where();
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    c.node = host;
    if (cl->get("node")) assign(c.node, cr.name("node"));
    c.etcd = cr.stringList("etcd");
    if (c.etcd.empty()) cr.error("etcd", "needs at least one endpoint URL, e.g. \"http://198.18.50.11:2379\"");
    bool https = false;
    for (const std::string& url : c.etcd) {
      if (auto parsed = parseHttpUrl(url, 2379); !parsed)
        cr.error("etcd", parsed.error());
      else
        https |= parsed->tls;
    }
    readClusterTls(cr, c, https);
    if (auto user = cr.string("username")) {
      if (user->empty() || user->find_first_of(" \t\r\n") != std::string::npos)
        cr.error("username", "must be an etcd user name without spaces or line breaks");
      c.username = *user;
      if (auto file = cr.string("password_file", true)) {
        c.password_file = *file;
        if (auto pw = readSecretLine(*file); !pw)
          cr.error("password_file", pw.error());
        else
          c.password = *pw;
      }
    } else if (cr.string("password_file")) {
      cr.error("password_file", "needs username");
    }
    assign(c.prefix, cr.string("prefix"));
    if (c.prefix.empty() || c.prefix.front() != '/' || c.prefix.back() != '/')
      cr.error("prefix", "must start and end with '/'");
    using A = ClusterSettings::Agreement;
    assign(c.agreement, cr.choice<A>("agreement", {{"majority", A::majority}, {"all", A::all}, {"any", A::any},
                                                   {"local", A::local}}));
    assign(c.lease_ttl, cr.integer("lease_ttl", 2, 60));
    cr.finish();
  }
  if (const toml::table* st = r.table("status")) readStatus(*st, out.config.status, diag);
  if (const toml::table* lg = r.table("log")) {
    TableReader lr(*lg, "[log]", diag);
    assign(out.config.log.json, lr.choice<bool>("format", {{"logfmt", false}, {"json", true}}));
    assign(out.config.log.debug, lr.choice<bool>("level", {{"info", false}, {"debug", true}}));
    lr.finish();
  }
  if (const toml::table* lb = r.table("lb")) {
    TableReader lr(*lb, "[lb]", diag);
    out.config.lb.where = lr.where();
    if (auto name = lr.string("table")) {
      bool ok = !name->empty() && name->size() <= 64 &&
                name->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                    std::string::npos;
      if (!ok)
        lr.error("table", "letters, digits and '_' only, at most 64");
      else
        out.config.lb.table = *name;
    }
    lr.finish();
  }
  if (const toml::table* geoip = r.table("geoip")) {
    TableReader gr(*geoip, "[geoip]", diag);
    out.config.geoip.where = gr.where("database");
    assign(out.config.geoip.database, gr.string("database", true));
    gr.finish();
  }
  forEachTable(r, "profile", "[[profile]]", diag, [&](const toml::table& t) { readProfile(t, out.config, diag); });
  if (!root.get("zone") && !root.get("service"))
    diag.error({1, 1}, "the config needs at least one [[zone]] (gtm serve) or [[service]] (gtm lb)");
  r.finish();
  return out;
}

LoadResult loadFile(const std::string& path) {
  // Bounded and never blocking: a FIFO or /dev/zero is refused at once.
  auto text = readSmallFile(path, kMaxConfigBytes);
  if (!text) {
    LoadResult out{Config{}, Diagnostics(path)};
    out.diagnostics.error({0, 0}, "cannot load the config: " + text.error());
    return out;
  }
  return loadString(*text, path);
}

}  // namespace gtm::config
