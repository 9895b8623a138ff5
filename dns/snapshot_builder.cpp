#include "dns/snapshot_builder.hpp"

#include "dnssec/zone_signer.hpp"

#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>
#include <map>
#include <set>

#include "dns/encoded_record.hpp"
#include "dns/name.hpp"
#include "dns/profile_compiler.hpp"
#include "dns/stat_ids.hpp"
#include "dns/wire.hpp"

namespace gtm::dns {
namespace {

using config::Diagnostics;
using config::Location;

struct RrDeleter {
  void operator()(ldns_rr* r) const { ldns_rr_free(r); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;
struct RdfDeleter {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;

// TXT data without quotes is one text, split into 255-byte strings; data
// starting with a quote is zone-file syntax and handed to ldns as written.
std::string txtData(const std::string& data) {
  if (!data.empty() && data.front() == '"') return data;
  std::string out;
  for (size_t i = 0; i < data.size() || i == 0; i += 255) {
    if (!out.empty()) out.push_back(' ');
    out.push_back('"');
    for (char c : data.substr(i, 255)) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
    if (data.empty()) break;
  }
  return out;
}

// How many quoted character-strings TXT data in presentation form holds.
size_t quotedStrings(std::string_view data) {
  size_t n = 0;
  bool inside = false;
  for (size_t i = 0; i < data.size(); ++i) {
    if (inside && data[i] == '\\') {
      ++i;
    } else if (data[i] == '"') {
      n += inside ? 0 : 1;
      inside = !inside;
    }
  }
  return n;
}

// Encodes one record from presentation text; returns it without the owner.
Result<EncodedRecord> encode(const std::string& owner_wire, uint32_t ttl, const std::string& type,
                             const std::string& data, const std::string& origin_wire) {
  std::string text = toText(owner_wire) + " " + std::to_string(ttl) + " IN " + type + " " + data;
  RdfPtr origin(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, origin_wire.size(), origin_wire.data()));
  ldns_rr* raw = nullptr;
  ldns_status st = ldns_rr_new_frm_str(&raw, text.c_str(), ttl, origin.get(), nullptr);
  RrPtr rr(raw);
  if (st != LDNS_STATUS_OK || !rr) return Error{std::string("invalid ") + type + " data \"" + data + "\": " +
                                                ldns_get_errorstr_by_id(st)};
  // The text is parsed as a whole: an owner that ldns reads differently (a
  // name starting with '@', say) must not shift the record we cut out below.
  const ldns_rdf* owner = ldns_rr_owner(rr.get());
  if (ldns_rdf_size(owner) != owner_wire.size() ||
      !std::equal(owner_wire.begin(), owner_wire.end(), ldns_rdf_data(owner), [](char a, uint8_t b) {
        return asciiLower(static_cast<uint8_t>(a)) == asciiLower(b);
      }))
    return Error{"the name " + toText(owner_wire) + " does not survive as the owner of a " + type + " record"};
  // ldns stops reading RDATA at 65,535 bytes and drops the rest unsaid.
  if (type == "TXT" && ldns_rr_rd_count(rr.get()) != quotedStrings(data))
    return Error{"the TXT data is longer than one record holds (65,535 bytes of RDATA)"};
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_rr2wire(&wire, rr.get(), LDNS_SECTION_ANSWER, &size) != LDNS_STATUS_OK)
    return Error{"cannot encode \"" + text + "\""};
  EncodedRecord out(reinterpret_cast<const char*>(wire) + owner_wire.size(), size - owner_wire.size());
  free(wire);
  return out;
}

// The wire name a CNAME's rdata points at, lower-cased.
std::string cnameTarget(const EncodedRecord& rec) {
  std::string target = rec.substr(10);
  for (char& c : target) c = asciiLower(c);
  return target;
}

uint32_t recordTtl(const EncodedRecord& rec) { return readU32(reinterpret_cast<const uint8_t*>(rec.data()) + 4); }

class ZoneCompiler {
 public:
  ZoneCompiler(const config::Zone& cfg, Diagnostics& diag, uint32_t serial)
      : cfg_(cfg), diag_(diag), serial_(serial) {}

  bool compile(Zone& z) {
    auto apex = toWireName(cfg_.origin, {});
    if (!apex) {
      diag_.error(cfg_.where, "[[zone]] origin: " + apex.error());
      return false;
    }
    z.apex = *apex;
    z.origin = toText(z.apex);
    zone_ = &z;
    size_t errors = diag_.list().size();
    addSoa();
    addNs();
    for (const config::Record& r : cfg_.records) addRecord(r);
    checkServable();
    addEmptyNonTerminals();
    addGlue();
    return diag_.list().size() == errors;
  }

 private:
  void addSoa() {
    const config::Soa& soa = cfg_.soa;
    auto mname = toWireName(soa.mname, zone_->apex);
    auto rname = toWireName(soa.rname, zone_->apex);
    if (!mname) diag_.error(soa.where, "soa mname: " + mname.error());
    if (!rname) diag_.error(soa.where, "soa rname: " + rname.error());
    if (!mname || !rname) return;
    zone_->serial = soa.serial ? *soa.serial : serial_;
    std::string data = toText(*mname) + " " + toText(*rname) + " " + std::to_string(zone_->serial) + " " +
                       std::to_string(soa.refresh) + " " + std::to_string(soa.retry) + " " +
                       std::to_string(soa.expire) + " " + std::to_string(soa.minimum);
    auto rec = encode(zone_->apex, cfg_.ttl, "SOA", data, zone_->apex);
    auto neg = encode(zone_->apex, std::min(cfg_.ttl, soa.minimum), "SOA", data, zone_->apex);
    if (!rec || !neg) {
      diag_.error(soa.where, "soa: " + (rec ? neg.error() : rec.error()));
      return;
    }
    zone_->nodes[zone_->apex].rrsets.push_back({type::SOA, {*rec}, {}, {}});
    zone_->negative_soa = *neg;
  }

  void addNs() {
    RRSet ns{type::NS, {}, {}, {}};
    for (const std::string& text : cfg_.ns) {
      auto name = toWireName(text, zone_->apex);
      if (!name) {
        diag_.error(cfg_.ns_where, "[[zone]] ns: " + name.error());
        continue;
      }
      auto rec = encode(zone_->apex, cfg_.ttl, "NS", toText(*name), zone_->apex);
      if (!rec) {
        diag_.error(cfg_.ns_where, "[[zone]] ns: " + rec.error());
        continue;
      }
      ns.records.push_back(*rec);
      ns_names_.push_back(*name);
    }
    if (!ns.records.empty()) zone_->nodes[zone_->apex].rrsets.push_back(std::move(ns));
  }

  void addRecord(const config::Record& r) {
    auto owner = toWireName(r.name, zone_->apex);
    if (!owner) return diag_.error(r.where, "record name: " + owner.error());
    if (!isWithin(*owner, zone_->apex))
      return diag_.error(r.where, "record name " + toText(*owner) + " is outside the zone " + zone_->origin);
    if (hasWildcardLabel(*owner))
      return diag_.error(r.where, "record name " + toText(*owner) +
                                      ": wildcards (a \"*\" label) are not supported; name each host");
    std::string type_name = r.type;
    std::transform(type_name.begin(), type_name.end(), type_name.begin(), ::toupper);
    ldns_rr_type t = ldns_get_rr_type_by_name(type_name.c_str());
    if (t == 0 || !ldns_rr_descript(t)) return diag_.error(r.where, "unknown record type \"" + r.type + "\"");
    if (t == LDNS_RR_TYPE_SOA) return diag_.error(r.where, "the SOA comes from the zone's soa table");
    if (t == LDNS_RR_TYPE_NS)
      return diag_.error(r.where, *owner == zone_->apex ? "apex NS records come from the zone's ns list"
                                                        : "delegations (NS below the apex) are not supported");
    if (t == LDNS_RR_TYPE_OPT || t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3 ||
        t == LDNS_RR_TYPE_DNSKEY || t == LDNS_RR_TYPE_DS || t == LDNS_RR_TYPE_NSEC3PARAM)
      return diag_.error(r.where, "type " + type_name + " is not served (no DNSSEC)");
    uint32_t ttl = r.ttl ? *r.ttl : cfg_.ttl;
    auto rec = encode(*owner, ttl, type_name, t == LDNS_RR_TYPE_TXT ? txtData(r.data) : r.data, zone_->apex);
    if (!rec) return diag_.error(r.where, rec.error());

    Node& node = zone_->nodes[*owner];
    bool has_cname = node.find(type::CNAME) != nullptr;
    if (t == LDNS_RR_TYPE_CNAME && *owner == zone_->apex)
      return diag_.error(r.where, "a CNAME cannot stand at the zone apex");
    if ((t == LDNS_RR_TYPE_CNAME && !node.rrsets.empty()) || (has_cname && t != LDNS_RR_TYPE_CNAME))
      return diag_.error(r.where, "a CNAME cannot share its name with other records (" + toText(*owner) + ")");
    if (has_cname) return diag_.error(r.where, "only one CNAME may stand at " + toText(*owner));
    auto wire_type = static_cast<uint16_t>(t);
    RRSet* set = const_cast<RRSet*>(node.find(wire_type));
    if (!set) {
      node.rrsets.push_back({wire_type, {}, {}, {}});
      set = &node.rrsets.back();
    }
    if (std::find(set->records.begin(), set->records.end(), *rec) != set->records.end())
      return diag_.error(r.where, "duplicate record");
    if (!set->records.empty() && recordTtl(set->records.front()) != ttl)
      return diag_.error(r.where, "records of one name and type must share one TTL (RFC 2181 5.2)");
    if (t == LDNS_RR_TYPE_CNAME) set->cname_target = cnameTarget(*rec);
    set->records.push_back(std::move(*rec));
    first_where_.try_emplace({*owner, wire_type}, r.where);
  }

  // What no answer could carry is refused here, not cut or repeated on the
  // wire: an RRset past a 65,535-byte message (header, question, each
  // record behind a 2-byte compressed owner), and a CNAME chain that loops
  // or runs longer than the answer builder follows.
  void checkServable() {
    for (const auto& [key, where] : first_where_) {
      const auto& [owner, type] = key;
      const RRSet* set = zone_->nodes[owner].find(type);
      size_t size = kHeaderSize + owner.size() + 4;
      for (const EncodedRecord& rec : set->records) size += 2 + rec.size();
      if (size > 65535)
        diag_.error(where, "the records of " + toText(owner) + " take " + std::to_string(size) +
                               " bytes in an answer, more than a DNS message holds (65,535)");
      if (type != type::CNAME) continue;
      std::vector<std::string> chain{owner};
      for (std::string next = set->cname_target;;) {
        if (std::find(chain.begin(), chain.end(), next) != chain.end()) {
          diag_.error(where, "CNAME " + toText(owner) + " loops back to " + toText(next));
          break;
        }
        if (chain.size() > static_cast<size_t>(kMaxCnameChain)) {
          diag_.error(where, "CNAME chain from " + toText(owner) + " is longer than " +
                                 std::to_string(kMaxCnameChain) + " links");
          break;
        }
        auto it = zone_->nodes.find(next);
        const RRSet* hop = it == zone_->nodes.end() ? nullptr : it->second.find(type::CNAME);
        if (!hop) break;  // ends at a name with data, outside the zone or nowhere
        chain.push_back(next);
        next = hop->cname_target;
      }
    }
  }

  void addEmptyNonTerminals() {
    std::vector<std::string> owners;
    for (const auto& [name, node] : zone_->nodes) owners.push_back(name);
    for (const std::string& owner : owners) {
      for (std::string_view p = parentOf(owner); p.size() > zone_->apex.size(); p = parentOf(p))
        zone_->nodes.try_emplace(std::string(p));
    }
  }

  void addGlue() {
    Node& apex = zone_->nodes[zone_->apex];
    for (const std::string& ns : ns_names_) {
      if (!isWithin(ns, zone_->apex)) continue;
      const Node* node = zone_->find(ns);
      const RRSet* a = node ? node->find(type::A) : nullptr;
      const RRSet* aaaa = node ? node->find(type::AAAA) : nullptr;
      if (!a && !aaaa) {
        diag_.error(cfg_.ns_where, "in-zone name server " + toText(ns) + " has no A or AAAA record");
        continue;
      }
      for (const RRSet* set : {a, aaaa})
        if (set) apex.ns_glue.push_back({ns, set->type, set->records, {}});
    }
  }

  const config::Zone& cfg_;
  Diagnostics& diag_;
  uint32_t serial_;  // this load's
  Zone* zone_ = nullptr;
  std::vector<std::string> ns_names_;
  std::map<std::pair<std::string, uint16_t>, config::Location> first_where_;  // each record set's first record
};

// Zones that secondaries transfer: a known key, and profiles whose answer
// is the same for every client (a secondary holds one answer for all).
// Marks those profiles, and the ones they nest, as transferred.
void checkTransfers(const config::Config& cfg, Snapshot& snap, Diagnostics& diag) {
  std::function<void(size_t, const config::Zone&)> mark = [&](size_t index, const config::Zone& zc) {
    policy::Profile& p = snap.profiles[index];
    const config::Profile& pc = cfg.profiles[index];
    if (p.transferred) return;
    p.transferred = true;
    std::string why = p.routing == policy::Routing::subnet       ? "routing = \"subnet\""
                      : p.routing == policy::Routing::geographic ? "routing = \"geographic\""
                      : p.routing == policy::Routing::performance ? "routing = \"performance\""
                      : p.affinity_subnet                        ? "affinity = \"subnet\""
                                                                 : "";
    if (!why.empty())
      diag.error(pc.where, "profile \"" + p.name + "\" answers by the client (" + why + ") but zone " + zc.origin +
                               " is transferred to secondaries, which hold one answer for everybody");
    for (const policy::Endpoint& e : p.endpoints)
      if (e.child >= 0) mark(static_cast<size_t>(e.child), zc);
  };
  for (size_t zi = 0; zi < cfg.zones.size() && zi < snap.zones.size(); ++zi) {
    const config::Zone& zc = cfg.zones[zi];
    if (!zc.transfer) continue;
    const config::Transfer& x = *zc.transfer;
    if (zc.soa.serial)
      diag.error(zc.soa.where, "[[zone]] soa: a transferred zone's serial follows its answers; remove serial");
    if (!x.tsig.empty() && std::none_of(cfg.tsig_keys.begin(), cfg.tsig_keys.end(),
                                        [&](const config::TsigKey& k) { return k.name == x.tsig; }))
      diag.error(x.where, "[[zone]] transfer: tsig = \"" + x.tsig + "\" names no [[tsig_key]]");
    for (const auto& [name, node] : snap.zones[zi].nodes)
      if (node.profile >= 0) mark(static_cast<size_t>(node.profile), zc);
  }
}

}  // namespace

uint32_t SerialClock::next() {
  if (fixed_) {
    fixed_ = false;
    return last_;
  }
  auto now = static_cast<uint32_t>(std::time(nullptr));
  last_ = static_cast<int32_t>(now - last_) > 0 ? now : last_ + 1;
  return last_;
}

void SerialClock::follow(uint32_t serial) {
  if (static_cast<int32_t>(serial - last_) > 0) last_ = serial;  // RFC 1982 order
}

SerialClock SerialClock::fixed(uint32_t serial) {
  SerialClock c;
  c.last_ = serial;
  c.fixed_ = true;
  return c;
}

namespace {

// Writes `serial` into an encoded SOA record (TYPE..RDLENGTH, then MNAME,
// RNAME, SERIAL...).
void setSoaSerial(EncodedRecord& soa, uint32_t serial) {
  if (size_t at = soaSerialOffset(soa); at != std::string_view::npos)
    writeU32(reinterpret_cast<uint8_t*>(soa.data()) + at, serial);
}

}  // namespace

std::unique_ptr<Snapshot> withSerial(const Snapshot& current, const config::Config& cfg, uint32_t serial,
                                     Diagnostics& diag) {
  auto next = std::make_unique<Snapshot>(current);
  next->serial = serial;
  auto now = static_cast<uint32_t>(std::time(nullptr));
  for (size_t i = 0; i < next->zones.size() && i < cfg.zones.size(); ++i) {
    Zone& z = next->zones[i];
    if (cfg.zones[i].soa.serial) continue;  // the zone's own
    z.serial = serial;
    if (auto it = z.nodes.find(z.apex); it != z.nodes.end())
      for (RRSet& set : it->second.rrsets)
        if (set.type == type::SOA)
          for (EncodedRecord& r : set.records) setSoaSerial(r, serial);
    setSoaSerial(z.negative_soa, serial);
    if (!signSoa(z, cfg.zones[i], diag, now)) return nullptr;
  }
  return next;
}

std::unique_ptr<Snapshot> buildSnapshot(const config::Config& cfg, Diagnostics& diag, SerialClock& serials,
                                        std::shared_ptr<const geo::GeoDatabase> loaded_geo) {
  auto snap = std::make_unique<Snapshot>();
  snap->serial = serials.next();
  snap->zones.reserve(cfg.zones.size());
  std::set<std::string> origins;
  for (const config::Zone& zc : cfg.zones) {
    Zone z;
    if (!ZoneCompiler(zc, diag, snap->serial).compile(z)) continue;
    if (!origins.insert(z.apex).second) {
      diag.error(zc.where, "zone " + z.origin + " is defined twice");
      continue;
    }
    z.stat_id = statId(StatKind::zone, z.origin);
    snap->zones.push_back(std::move(z));
  }
  compileMonitors(cfg, *snap, diag);
  compileProfiles(cfg, *snap, diag);
  snap->traffic_view = cfg.status.listen.has_value() && cfg.status.traffic_view;
  if (diag.empty()) checkTransfers(cfg, *snap, diag);
  if (loaded_geo) {
    snap->geo = std::move(loaded_geo);
  } else if (!cfg.geoip.database.empty()) {
    if (auto db = geo::GeoDatabase::open(cfg.geoip.database); !db)
      diag.error(cfg.geoip.where, "[geoip] database: " + db.error());
    else
      snap->geo = std::move(*db);
  }
  for (const config::Profile& p : cfg.profiles) {
    const bool geographic = p.routing == config::Profile::Routing::geographic;
    const bool performance = p.routing == config::Profile::Routing::performance;
    if ((geographic || performance) && cfg.geoip.database.empty())
      diag.error(p.where, "profile \"" + p.name + "\": routing = \"" + (geographic ? "geographic" : "performance") +
                              "\" needs [geoip] database = \"FILE.mmdb\"");
    // Performance routing places clients by coordinates: a Country database
    // has none, and every client would get the priority order.
    if (performance && snap->geo && snap->geo->description().with_location == 0)
      diag.error(p.where, "profile \"" + p.name + "\": routing = \"performance\" needs a City database with "
                              "coordinates, and none of the " + std::to_string(snap->geo->description().sampled) +
                              " records sampled from " + snap->geo->description().path + " has any (" +
                              snap->geo->description().type + ")");
  }
  if (!diag.empty()) return nullptr;
  // Signed last: the profiles' answers are known now.
  auto now = static_cast<uint32_t>(std::time(nullptr));
  for (size_t i = 0; i < cfg.zones.size(); ++i) (void)signZone(snap->zones[i], cfg.zones[i], snap->profiles, diag, now);
  if (!diag.empty()) return nullptr;
  return snap;
}

}  // namespace gtm::dns
