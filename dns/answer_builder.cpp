#include "dns/answer_builder.hpp"

#include <algorithm>
#include <cstring>

#include "dnssec/canonical.hpp"

namespace gtm::dns {
namespace {

constexpr uint16_t kQuestionNameOffset = kHeaderSize;

enum class NodeResult { answered, nodata, cname, truncated };

struct ProfileQuery {
  const policy::ClientView& client;
  QueryStats& stats;
  uint8_t scope_prefix = 0;
  const Zone* dnssec = nullptr;  // a signed zone and a query with the DO bit: RRSIGs and NSEC go too
  const Zone* signed_zone = nullptr;  // the zone when it is signed, DO or not
};

bool addSignatures(ResponseWriter& w, Section s, const Owner& owner, const std::vector<EncodedRecord>& rrsigs) {
  for (const EncodedRecord& sig : rrsigs)
    if (!w.addRecord(s, owner, sig)) return false;
  return true;
}

// A query for type NSEC or RRSIG at a name of a signed zone (RFC 4035
// 3.1.5, as Knot answers): the name's NSEC RRset, or every RRSIG the name
// has ahead of time (its static RRsets' and its NSEC's; a profile's depend
// on the client, and go with its A and AAAA answers). Nothing for a name
// without them: NODATA follows.
NodeResult answerDnssecType(const Zone& zone, const Node& node, uint16_t qtype, const Owner& owner,
                            ResponseWriter& w, const ProfileQuery& pq) {
  const SignedRecord* nsec = node.nsec >= 0 ? &zone.nsec_chain[static_cast<size_t>(node.nsec)] : nullptr;
  size_t written = 0;
  if (qtype == type::NSEC) {
    if (!nsec) return NodeResult::nodata;
    if (!w.addRecord(Section::answer, owner, nsec->record)) return NodeResult::truncated;
    if (pq.dnssec && !addSignatures(w, Section::answer, owner, nsec->rrsigs)) return NodeResult::truncated;
    return NodeResult::answered;
  }
  for (const RRSet& set : node.rrsets) {
    for (const EncodedRecord& sig : set.rrsigs)
      if (!w.addRecord(Section::answer, owner, sig)) return NodeResult::truncated;
    written += set.rrsigs.size();
  }
  if (nsec) {
    for (const EncodedRecord& sig : nsec->rrsigs)
      if (!w.addRecord(Section::answer, owner, sig)) return NodeResult::truncated;
    written += nsec->rrsigs.size();
  }
  return written ? NodeResult::answered : NodeResult::nodata;
}


// The signatures made ahead of time for the address RRset just written.
const std::vector<EncodedRecord>* answerSignatures(const Zone& zone, int profile, uint16_t qtype,
                                                  std::span<IpAddress> written) {
  char key[kAnswerSetKeyCapacity];
  size_t n = answerSetKey(profile, qtype, written, key, sizeof key);
  auto it = zone.answer_rrsigs.find(std::string_view(key, n));
  return n == 0 || it == zone.answer_rrsigs.end() ? nullptr : &it->second;
}

// The addresses of the endpoints the profile's routing picks for this client.
NodeResult answerProfile(const Snapshot& snapshot, const Node& node, uint16_t qtype, const Owner& owner,
                         ResponseWriter& w, ProfileQuery& pq) {
  const policy::Profile& profile = snapshot.profiles[static_cast<size_t>(node.profile)];
  policy::Decision d;
  policy::decide(snapshot.profiles, static_cast<size_t>(node.profile), *snapshot.health, pq.client, d);
  // A CNAME chain through several profiles holds for the narrowest scope.
  pq.scope_prefix = std::max(pq.scope_prefix, d.scope_prefix);
  bool v6 = qtype == type::AAAA;
  if (qtype == type::ANY) {
    // RFC 8482: one RRset; the addresses of the family there is.
    v6 = true;
    for (size_t i = 0; i < d.count; ++i) v6 = v6 && d.endpoints[i]->v4.empty();
  }
  size_t written = 0;
  uint64_t network = 0;  // the client's network, for Traffic View: worked out once
  for (size_t i = 0; i < d.count; ++i) {
    size_t before = written;
    for (const IpAddress& ip : v6 ? d.endpoints[i]->v6 : d.endpoints[i]->v4) {
      if (!w.addAddress(Section::answer, owner, ip, profile.ttl)) return NodeResult::truncated;
      ++written;
    }
    if (written > before) {
      QueryStats::bump(pq.stats.answers, d.endpoints[i]->stat_id);
      if (snapshot.traffic_view) {
        if (network == 0) network = TrafficCounter::networkKey(pq.client) | uint64_t{1} << 62;
        pq.stats.traffic.count(d.endpoints[i]->stat_id, network);
      }
    }
  }
  if (written && pq.dnssec) {
    // The RRset just written (every address of the chosen endpoints), by
    // its key: its signatures were made when the snapshot was built.
    std::array<IpAddress, kMaxSignedAnswerAddresses> addresses;
    size_t n = 0;
    for (size_t i = 0; i < d.count; ++i)
      for (const IpAddress& ip : v6 ? d.endpoints[i]->v6 : d.endpoints[i]->v4)
        if (n < addresses.size()) addresses[n++] = ip;
    const auto* sigs = answerSignatures(*pq.dnssec, node.profile, v6 ? type::AAAA : type::A,
                                        std::span(addresses.data(), n));
    if (sigs && !addSignatures(w, Section::answer, owner, *sigs)) return NodeResult::truncated;
  }
  return written ? NodeResult::answered : NodeResult::nodata;
}

// Writes the node's answer for qtype. On `cname`, *cname is the CNAME RRset.
// For a CNAME, `cname` is set and `target` points at the target name in
// the CNAME's RDATA (the owner of what follows), or carries it uncompressed.
NodeResult answerNode(const Snapshot& snapshot, const Node& node, uint16_t qtype, const Owner& owner,
                      ResponseWriter& w, const RRSet** cname, Owner* target, ProfileQuery& pq) {
  if (node.profile >= 0 && (qtype == type::A || qtype == type::AAAA || qtype == type::ANY)) {
    NodeResult r = answerProfile(snapshot, node, qtype, owner, w, pq);
    if (r != NodeResult::nodata || qtype != type::ANY) return r;
  }
  if (pq.signed_zone && (qtype == type::NSEC || qtype == type::RRSIG) && !node.find(type::CNAME))
    return answerDnssecType(*pq.signed_zone, node, qtype, owner, w, pq);

  const RRSet* set = nullptr;
  if (qtype == type::ANY) {
    // RFC 8482: one RRset stands for the whole node.
    if (!node.rrsets.empty()) set = &node.rrsets.front();
  } else {
    set = node.find(qtype);
  }
  if (set) {
    for (const EncodedRecord& rr : set->records)
      if (!w.addRecord(Section::answer, owner, rr)) return NodeResult::truncated;
    if (pq.dnssec && !addSignatures(w, Section::answer, owner, set->rrsigs)) return NodeResult::truncated;
    if (set->type == type::NS) {
      // Glue is optional: what does not fit is left out without TC.
      // In a signed zone with their RRSIGs, which fit as the records do.
      bool room = true;
      for (const Glue& g : node.ns_glue) {
        for (const EncodedRecord& rec : g.records) room = room && w.addRecord(Section::additional, Owner{0, g.owner}, rec);
        if (room && pq.dnssec) room = addSignatures(w, Section::additional, Owner{0, g.owner}, g.rrsigs);
        if (!room) break;
      }
    }
    return NodeResult::answered;
  }
  if (const RRSet* c = node.find(type::CNAME)) {
    if (!w.addRecord(Section::answer, owner, c->records.front())) return NodeResult::truncated;
    // Taken now: the RRSIGs that follow are records of their own.
    size_t rdata = w.lastRdataOffset();
    *target = rdata < 0x4000 ? Owner{static_cast<uint16_t>(rdata), {}} : Owner{0, c->cname_target};
    if (pq.dnssec && !addSignatures(w, Section::answer, owner, c->rrsigs)) return NodeResult::truncated;
    *cname = c;
    return NodeResult::cname;
  }
  return NodeResult::nodata;
}

bool addSigned(ResponseWriter& w, const SignedRecord& r) {
  Owner owner{0, r.owner};
  return w.addRecord(Section::authority, owner, r.record) && addSignatures(w, Section::authority, owner, r.rrsigs);
}

// The NSEC of the name before `name` in canonical order: it proves that
// nothing lies between them.
const SignedRecord& covering(const Zone& zone, std::string_view name) {
  auto it = std::upper_bound(zone.nsec_chain.begin(), zone.nsec_chain.end(), name,
                             [](std::string_view n, const SignedRecord& r) { return canonicalLess(n, r.owner); });
  return it == zone.nsec_chain.begin() ? zone.nsec_chain.back() : *(it - 1);
}

// Denial of existence with NSEC (RFC 4035 3.1.3): for NXDOMAIN, the NSEC
// that covers the name and the one that covers the wildcard at its closest
// encloser; for NODATA, the name's own NSEC (without A or AAAA for a
// profile that has no answer now), or for an empty non-terminal the one
// that covers it.
bool addDenial(const Zone& zone, std::string_view name, const Node* node, uint16_t qtype, ResponseWriter& w) {
  if (!node) {
    const SignedRecord& first = covering(zone, name);
    if (!addSigned(w, first)) return false;
    std::string_view encloser = name;
    while (encloser.size() > zone.apex.size() && !zone.find(encloser))
      encloser.remove_prefix(1 + static_cast<uint8_t>(encloser[0]));
    char wildcard[kMaxNameLength + 2] = {1, '*'};
    if (encloser.size() + 2 > sizeof wildcard) return true;
    std::memcpy(wildcard + 2, encloser.data(), encloser.size());
    const SignedRecord& second = covering(zone, std::string_view(wildcard, encloser.size() + 2));
    return &second == &first || addSigned(w, second);
  }
  if (node->nsec < 0) return addSigned(w, covering(zone, name));
  if (node->nsec_variants >= 0 && (qtype == type::A || qtype == type::AAAA))
    return addSigned(w, zone.nsec_variants[static_cast<size_t>(node->nsec_variants)][qtype == type::A ? 0 : 1]);
  return addSigned(w, zone.nsec_chain[static_cast<size_t>(node->nsec)]);
}

void addNegative(const Query& q, const Zone& zone, ResponseWriter& w, const ProfileQuery& pq, std::string_view name,
                 const Node* node) {
  // The apex is a suffix of the question name: point at it.
  auto apex_offset = static_cast<uint16_t>(kQuestionNameOffset + q.name_length - zone.apex.size());
  if (!w.addRecord(Section::authority, Owner{apex_offset, {}}, zone.negative_soa)) return w.truncate();
  if (!pq.dnssec) return;
  if (!addSignatures(w, Section::authority, Owner{apex_offset, {}}, zone.negative_soa_rrsigs) ||
      !addDenial(zone, name, node, q.qtype, w))
    w.truncate();
}

}  // namespace

uint8_t buildAnswer(const Snapshot& snapshot, const Query& q, const policy::ClientView& client, ResponseWriter& w,
                    QueryStats& stats) {
  if (q.qclass == kClassChaos && !snapshot.identity.empty() &&
      (q.qtype == type::TXT || q.qtype == type::ANY) &&
      (q.nameView() == std::string_view("\x02" "id" "\x06" "server", 11) ||
       q.nameView() == std::string_view("\x08" "hostname" "\x04" "bind", 15))) {
    // id.server / hostname.bind: which node this is (as BIND, Knot, NSD).
    w.begin(q, rcode::NOERROR, true);
    uint8_t rec[10 + 1 + 63];
    size_t n = std::min<size_t>(snapshot.identity.size(), 63);
    writeU16(rec, type::TXT);
    writeU16(rec + 2, kClassChaos);
    writeU32(rec + 4, 0);
    writeU16(rec + 8, static_cast<uint16_t>(n + 1));
    rec[10] = static_cast<uint8_t>(n);
    std::memcpy(rec + 11, snapshot.identity.data(), n);
    if (!w.addRecord(Section::answer, Owner{kQuestionNameOffset, {}},
                     std::string_view(reinterpret_cast<const char*>(rec), 11 + n)))
      w.truncate();
    return 0;
  }
  if (q.qclass != kClassIn) {
    w.begin(q, rcode::REFUSED, false);
    return 0;
  }
  if (q.qtype == type::OPT) {
    w.begin(q, rcode::FORMERR, false);
    return 0;
  }
  if (q.qtype == type::MAILA || q.qtype == type::MAILB) {
    w.begin(q, rcode::NOTIMP, false);
    return 0;
  }
  const Zone* zone = snapshot.findZone(q.nameView());
  if (!zone || q.qtype == type::AXFR || q.qtype == type::IXFR) {
    // Not ours (no recursion, no referral), or a zone transfer: not offered.
    w.begin(q, rcode::REFUSED, false);
    return 0;
  }
  w.begin(q, rcode::NOERROR, true);
  QueryStats::bump(stats.by_zone, zone->stat_id);
  ProfileQuery pq{client, stats};
  if (zone->is_signed && q.edns.dnssec_ok) pq.dnssec = zone;
  if (zone->is_signed) pq.signed_zone = zone;

  Owner owner{kQuestionNameOffset, {}};
  std::string_view name = q.nameView();
  const Node* node = zone->find(name);
  for (int hop = 0;; ++hop) {
    if (!node) {
      w.setRcode(rcode::NXDOMAIN);
      addNegative(q, *zone, w, pq, name, node);
      return pq.scope_prefix;
    }
    const RRSet* cname = nullptr;
    Owner target;
    switch (answerNode(snapshot, *node, q.qtype, owner, w, &cname, &target, pq)) {
      case NodeResult::answered: return pq.scope_prefix;
      case NodeResult::truncated: w.truncate(); return pq.scope_prefix;
      case NodeResult::nodata: addNegative(q, *zone, w, pq, name, node); return pq.scope_prefix;
      case NodeResult::cname: break;
    }
    // Follow the CNAME while it stays inside this zone.
    if (hop == kMaxCnameChain || snapshot.findZone(cname->cname_target) != zone) return pq.scope_prefix;
    owner = target;
    name = cname->cname_target;
    node = zone->find(name);
  }
}

}  // namespace gtm::dns
