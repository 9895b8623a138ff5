#include "config/config_loader.hpp"

#include <fstream>
#include <sstream>

#include "config/table_reader.hpp"

namespace gtm::config {
namespace {

constexpr int64_t kMaxTtl = 2147483647;  // RFC 2181 section 8

template <typename T, typename V>
void assign(T& field, const std::optional<V>& v) {
  if (v) field = static_cast<T>(*v);
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
  assign(dns.tcp_idle_timeout, r.number("tcp_idle_timeout", 0.1, 300));
  assign(dns.tcp_max_connections, r.integer("tcp_max_connections", 1, 1000000));
  r.finish();
}

void readSoa(const toml::table& t, Soa& soa, Diagnostics& diag) {
  TableReader r(t, "[[zone]] soa", diag);
  soa.where = r.where();
  assign(soa.mname, r.string("mname", true));
  assign(soa.rname, r.string("rname", true));
  assign(soa.refresh, r.integer("refresh", 0, kMaxTtl));
  assign(soa.retry, r.integer("retry", 0, kMaxTtl));
  assign(soa.expire, r.integer("expire", 0, kMaxTtl));
  assign(soa.minimum, r.integer("minimum", 0, kMaxTtl));
  if (auto s = r.integer("serial", 0, 4294967295LL)) soa.serial = static_cast<uint32_t>(*s);
  r.finish();
}

void readZone(const toml::table& t, Config& cfg, Diagnostics& diag) {
  Zone z;
  TableReader r(t, "[[zone]]", diag);
  z.where = r.where();
  assign(z.origin, r.string("origin", true));
  assign(z.ttl, r.integer("ttl", 0, kMaxTtl));
  z.ns = r.stringList("ns", true);
  z.ns_where = r.where("ns");
  if (z.ns.empty() && t.get("ns")) r.error("ns", "needs at least one name server");
  if (const toml::table* soa = r.table("soa")) {
    readSoa(*soa, z.soa, diag);
  } else if (!t.get("soa")) {
    r.error("soa", "missing required key 'soa'");
  }
  if (const toml::array* records = r.array("records")) {
    for (const toml::node& item : *records) {
      const toml::table* rt = item.as_table();
      if (!rt) {
        diag.error(locationOf(item), "[[zone]] records: each record is a table { name, type, data }");
        continue;
      }
      TableReader rr(*rt, "record", diag);
      Record rec;
      rec.where = rr.where();
      assign(rec.name, rr.string("name", true));
      assign(rec.type, rr.string("type", true));
      assign(rec.data, rr.string("data", true));
      if (auto ttl = rr.integer("ttl", 0, kMaxTtl)) rec.ttl = static_cast<uint32_t>(*ttl);
      rr.finish();
      z.records.push_back(std::move(rec));
    }
  }
  r.finish();
  cfg.zones.push_back(std::move(z));
}

void readEndpoint(const toml::table& t, Profile& p, Diagnostics& diag) {
  Endpoint e;
  TableReader r(t, "[[profile.endpoint]]", diag);
  e.where = r.where();
  assign(e.name, r.string("name", true));
  for (const auto& text : r.stringList("target", true)) {
    auto ip = IpAddress::parse(text);
    if (!ip) {
      r.error("target", "\"" + text + "\" is not an IPv4 or IPv6 address");
      continue;
    }
    e.targets.push_back(*ip);
  }
  if (e.targets.empty() && t.get("target")) r.error("target", "needs at least one address");
  assign(e.priority, r.integer("priority", 1, 1000));
  assign(e.enabled, r.boolean("enabled"));
  r.finish();
  p.endpoints.push_back(std::move(e));
}

void readProfile(const toml::table& t, Config& cfg, Diagnostics& diag) {
  Profile p;
  TableReader r(t, "[[profile]]", diag);
  p.where = r.where();
  assign(p.name, r.string("name", true));
  assign(p.fqdn, r.string("fqdn", true));
  p.fqdn_where = r.where("fqdn");
  if (auto routing = r.string("routing")) {
    if (*routing != "priority")
      r.error("routing", "\"" + *routing + "\" is not supported; supported: \"priority\"");
    else
      p.routing = *routing;
  }
  assign(p.ttl, r.integer("ttl", 0, kMaxTtl));
  if (const toml::array* eps = r.array("endpoint")) {
    for (const toml::node& item : *eps) {
      if (const toml::table* et = item.as_table())
        readEndpoint(*et, p, diag);
      else
        diag.error(locationOf(item), "[[profile]] endpoint: expected a table");
    }
  }
  if (p.endpoints.empty()) r.error("endpoint", "a profile needs at least one [[profile.endpoint]]");
  r.finish();
  cfg.profiles.push_back(std::move(p));
}

template <typename Fn>
void forEachTable(TableReader& r, std::string_view key, Diagnostics& diag, Fn fn) {
  const toml::array* arr = r.array(key);
  if (!arr) return;
  for (const toml::node& item : *arr) {
    if (const toml::table* t = item.as_table())
      fn(*t);
    else
      diag.error(locationOf(item), "[[" + std::string(key) + "]]: expected a table");
  }
}

}  // namespace

LoadResult loadString(std::string_view text, const std::string& path) {
  LoadResult out{Config{}, Diagnostics(path)};
  out.config.path = path;
  toml::table root;
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
  forEachTable(r, "zone", diag, [&](const toml::table& t) { readZone(t, out.config, diag); });
  forEachTable(r, "profile", diag, [&](const toml::table& t) { readProfile(t, out.config, diag); });
  if (out.config.zones.empty() && !root.get("zone")) diag.error({1, 1}, "the config needs at least one [[zone]]");
  r.finish();
  return out;
}

LoadResult loadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult out{Config{}, Diagnostics(path)};
    out.diagnostics.error({0, 0}, "cannot open the file");
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return loadString(text.str(), path);
}

}  // namespace gtm::config
