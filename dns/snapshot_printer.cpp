#include "dns/snapshot_printer.hpp"

#include <cstdio>

#include <ldns/ldns.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "dns/name.hpp"

namespace gtm::dns {
namespace {

std::string recordText(const std::string& owner, const EncodedRecord& rec) {
  std::string wire = owner + rec;
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  if (ldns_wire2rr(&rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos, LDNS_SECTION_ANSWER) !=
      LDNS_STATUS_OK)
    return "; (cannot print)";
  char* s = ldns_rr2str(rr);
  std::string out = s ? s : "";
  free(s);
  ldns_rr_free(rr);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string isoDate(uint32_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string describe(const Snapshot& snapshot) {
  std::string out;
  for (const Zone& z : snapshot.zones) {
    out += "zone " + z.origin + " (serial " + std::to_string(z.serial) + ")\n";
    if (z.is_signed) {
      out += "  dnssec: " + std::to_string(z.signed_answer_sets) + " answer RRsets of its profiles signed ahead, " +
             std::to_string(z.nsec_chain.size()) + " NSEC records; signatures expire " + isoDate(z.signatures_expire) +
             ", made again from " + isoDate(z.signatures_renew_at) + "\n";
      for (const Zone::Key& k : z.keys)
        out += "    key " + std::to_string(k.tag) + " algorithm " + std::to_string(k.algorithm) + " " + k.role +
               (k.role == "KSK" ? ": signs the DNSKEY RRset" : k.role == "ZSK" ? ": signs every other RRset"
                                : k.role == "CSK" ? ": signs every RRset" : ": signs nothing yet") + "\n";
    }
    // Sorted by presentation name so the listing is stable.
    std::map<std::string, const std::string*> names;
    for (const auto& [wire, node] : z.nodes) names.emplace(toText(wire), &wire);
    for (const auto& [text, wire] : names) {
      const Node& node = z.nodes.at(*wire);
      for (const RRSet& set : node.rrsets)
        for (const EncodedRecord& rec : set.records) out += "  " + recordText(*wire, rec) + "\n";
      if (node.profile >= 0)
        out += "  " + text + "\tA/AAAA from profile \"" +
               snapshot.profiles[static_cast<size_t>(node.profile)].name + "\"\n";
    }
  }
  if (snapshot.geo) out += "geoip " + snapshot.geo->description().path + ": " + snapshot.geo->summary() + "\n";
  for (const policy::Profile& p : snapshot.profiles) {
    out += "profile " + p.name + ": " + p.fqdn + " routing=" + policy::routingName(p.routing) +
           " ttl=" + std::to_string(p.ttl) + (p.fail_closed ? " fail-closed" : "") + "\n";
    if (p.latency)
      out += "  latency_table " + p.latency_file + ": " + std::to_string(p.latency->networks()) + " networks, " +
             std::to_string(p.latency->lines()) + " times\n";
    for (const policy::Endpoint& e : p.endpoints) {
      out += "  endpoint " + e.name + " priority=" + std::to_string(e.priority) +
             (p.routing == policy::Routing::weighted ? " weight=" + std::to_string(e.weight) : "") +
             (e.enabled ? "" : " (disabled)") + (e.always_serve ? " (always serve)" : "") + ":";
      if (e.child >= 0) out += " profile " + snapshot.profiles[static_cast<size_t>(e.child)].name;
      for (const policy::Subnet& s : e.subnets) out += " subnet " + s.toString();
      for (const policy::Region& r : e.regions) out += " region " + policy::regionName(r);
      if (e.geo_fallback) out += " fallback";
      if (e.has_location) {
        char at[64];
        std::snprintf(at, sizeof at, " at %.4f,%.4f", e.location.lat, e.location.lon);
        out += at;
      }
      for (const auto* list : {&e.v4, &e.v6})
        for (const IpAddress& ip : *list) out += " " + ip.toString();
      out += "\n";
    }
  }
  return out;
}

}  // namespace gtm::dns
