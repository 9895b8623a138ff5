// [[zone]] and [[tsig_key]] tables: the zone's SOA, records, DNSSEC keys
// (read now, as root) and transfer settings; the TSIG keys transfers use.
#include "config/zone_reader.hpp"

#include "common/base64.hpp"
#include "common/small_file.hpp"

namespace gtm::config {
namespace {

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

// [[zone]] dnssec: the key files are read now (as root); ldns checks what
// they hold when the zone is compiled.
void readDnssec(const toml::table& t, Zone& z, Diagnostics& diag) {
  TableReader r(t, "[[zone]] dnssec", diag);
  Dnssec d;
  d.where = r.where();
  auto keyList = [&](const char* key, bool publish_only) {
    const toml::array* list = r.array(key);
    if (!list) return;
    for (const toml::node& item : *list) {
      DnssecKey k;
      k.where = locationOf(item);
      k.publish_only = publish_only;
      const auto* path = item.as_string();
      if (!path || path->get().empty()) {
        diag.error(k.where, std::string("[[zone]] dnssec ") + key + ": each key is the path of a key pair without .key or .private");
        continue;
      }
      k.path = path->get();
      for (auto [suffix, text] : {std::pair{".key", &k.public_text}, std::pair{".private", &k.private_text}}) {
        if (auto contents = readSmallFile(k.path + suffix); !contents)
          diag.error(k.where, std::string("[[zone]] dnssec ") + key + ": " + contents.error());
        else
          *text = *contents;
      }
      d.keys.push_back(std::move(k));
    }
  };
  keyList("keys", false);
  keyList("publish_only", true);
  if (!t.get("keys")) r.error("keys", "missing required key 'keys'");
  assign(d.signature_validity_days, r.integer("signature_validity", 1, 365));
  assign(d.refresh_days, r.integer("refresh", 1, 364));
  if (d.refresh_days >= d.signature_validity_days)
    r.error("refresh", "must be less than signature_validity (" + std::to_string(d.signature_validity_days) + " days)");
  assign(d.test_validity_seconds, r.integer("test_validity_seconds", 4, 86400));
  r.finish();
  z.dnssec = std::move(d);
}

// A TSIG key's name as secondaries write it ("xfr", "xfr.example.com.").
bool isKeyName(const std::string& name) {
  if (name.size() > 253) return false;
  std::string_view rest = name;
  if (rest.back() == '.') rest.remove_suffix(1);
  while (!rest.empty()) {
    std::string_view label = rest.substr(0, rest.find('.'));
    if (label.empty() || label.size() > 63 ||
        label.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != std::string_view::npos)
      return false;
    rest.remove_prefix(std::min(rest.size(), label.size() + 1));
  }
  return !name.empty() && name != ".";
}

// [[zone]] transfer: who may transfer, with which key, whom to tell.
void readTransfer(const toml::table& t, Zone& z, Diagnostics& diag) {
  TableReader r(t, "[[zone]] transfer", diag);
  Transfer x;
  x.where = r.where();
  if (!t.get("allow")) r.error("allow", "missing required key 'allow' (the secondaries' prefixes, e.g. \"192.0.2.53/32\")");
  x.allow = r.subnetList("allow");
  if (const toml::array* a = t.get_as<toml::array>("allow"); a && a->empty()) r.error("allow", "needs at least one prefix");
  assign(x.tsig, r.string("tsig"));
  for (const std::string& text : r.stringList("notify")) {
    if (auto a = SocketAddress::parse(text, 53); !a)
      r.error("notify", "\"" + text + "\": " + a.error());
    else
      x.notify.push_back(*a);
  }
  assign(x.journal, r.integer("journal", 1, 100000));
  r.finish();
  z.transfer = std::move(x);
}

}  // namespace

void readTsigKey(const toml::table& t, Config& cfg, Diagnostics& diag) {
  TableReader r(t, "[[tsig_key]]", diag);
  TsigKey k;
  k.where = r.where();
  assign(k.name, r.string("name", true));
  if (!k.name.empty() && !isKeyName(k.name))
    r.error("name", "must be a domain name: labels of 1 to 63 letters, digits, '-' or '_', at most 253 bytes");
  assign(k.algorithm, r.choice<TsigKey::Algorithm>("algorithm", {{"hmac-sha256", TsigKey::Algorithm::hmac_sha256},
                                                                 {"hmac-sha384", TsigKey::Algorithm::hmac_sha384},
                                                                 {"hmac-sha512", TsigKey::Algorithm::hmac_sha512}}));
  if (auto path = r.string("secret_file", true)) {
    k.secret_file = *path;
    if (auto line = readSecretLine(*path); !line)
      r.error("secret_file", line.error());
    else if (auto bytes = base64Decode(*line); !bytes)
      r.error("secret_file", "the first line is not base64 (what tsig-keygen prints inside secret \"...\")");
    else if (bytes->size() < 16)
      r.error("secret_file", "the secret is " + std::to_string(bytes->size()) + " bytes; use at least 16 (tsig-keygen makes 32)");
    else
      k.secret = std::move(*bytes);
  }
  r.finish();
  for (const TsigKey& other : cfg.tsig_keys)
    if (!k.name.empty() && other.name == k.name) diag.error(k.where, "[[tsig_key]] \"" + k.name + "\" is defined twice");
  cfg.tsig_keys.push_back(std::move(k));
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
  if (const toml::table* dt = r.table("dnssec")) readDnssec(*dt, z, diag);
  if (const toml::table* xt = r.table("transfer")) readTransfer(*xt, z, diag);
  r.finish();
  cfg.zones.push_back(std::move(z));
}

}  // namespace gtm::config
