#include "dns/answer_builder.hpp"

namespace gtm::dns {
namespace {

constexpr int kMaxCnameChain = 8;
constexpr uint16_t kQuestionNameOffset = kHeaderSize;

enum class NodeResult { answered, nodata, cname, truncated };

// Writes the node's answer for qtype. On `cname`, *target is the CNAME target.
NodeResult answerNode(const Snapshot& snapshot, const Node& node, uint16_t qtype, const Owner& owner,
                      ResponseWriter& w, const RRSet** cname) {
  if (node.profile >= 0 && (qtype == type::A || qtype == type::AAAA || qtype == type::ANY)) {
    const policy::Profile& profile = snapshot.profiles[static_cast<size_t>(node.profile)];
    const policy::Endpoint* ep = policy::chooseEndpoint(profile, *snapshot.health);
    if (ep) {
      const auto& addrs = (qtype == type::AAAA || (qtype == type::ANY && ep->v4.empty())) ? ep->v6 : ep->v4;
      for (const IpAddress& ip : addrs) {
        if (!w.addAddress(Section::answer, owner, ip, profile.ttl)) return NodeResult::truncated;
      }
      if (!addrs.empty()) return NodeResult::answered;
    }
    if (qtype != type::ANY) return NodeResult::nodata;
  }

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
    if (set->type == type::NS) {
      // Glue is optional: what does not fit is left out without TC.
      for (const Glue& g : node.ns_glue)
        if (!w.addRecord(Section::additional, Owner{0, g.owner}, g.record)) break;
    }
    return NodeResult::answered;
  }
  if (const RRSet* c = node.find(type::CNAME)) {
    if (!w.addRecord(Section::answer, owner, c->records.front())) return NodeResult::truncated;
    *cname = c;
    return NodeResult::cname;
  }
  return NodeResult::nodata;
}

void addNegative(const Query& q, const Zone& zone, ResponseWriter& w) {
  // The apex is a suffix of the question name: point at it.
  auto apex_offset = static_cast<uint16_t>(kQuestionNameOffset + q.name_length - zone.apex.size());
  if (!w.addRecord(Section::authority, Owner{apex_offset, {}}, zone.negative_soa)) w.truncate();
}

}  // namespace

void buildAnswer(const Snapshot& snapshot, const Query& q, ResponseWriter& w) {
  if (q.qclass != kClassIn) {
    w.begin(q, rcode::REFUSED, false);
    return;
  }
  if (q.qtype == type::OPT) {
    w.begin(q, rcode::FORMERR, false);
    return;
  }
  if (q.qtype == type::MAILA || q.qtype == type::MAILB) {
    w.begin(q, rcode::NOTIMP, false);
    return;
  }
  const Zone* zone = snapshot.findZone(q.nameView());
  if (!zone || q.qtype == type::AXFR || q.qtype == type::IXFR) {
    // Not ours (no recursion, no referral), or a zone transfer: not offered.
    w.begin(q, rcode::REFUSED, false);
    return;
  }
  w.begin(q, rcode::NOERROR, true);

  Owner owner{kQuestionNameOffset, {}};
  const Node* node = zone->find(q.nameView());
  for (int hop = 0;; ++hop) {
    if (!node) {
      w.setRcode(rcode::NXDOMAIN);
      addNegative(q, *zone, w);
      return;
    }
    const RRSet* cname = nullptr;
    switch (answerNode(snapshot, *node, q.qtype, owner, w, &cname)) {
      case NodeResult::answered: return;
      case NodeResult::truncated: w.truncate(); return;
      case NodeResult::nodata: addNegative(q, *zone, w); return;
      case NodeResult::cname: break;
    }
    // Follow the CNAME while it stays inside this zone.
    if (hop == kMaxCnameChain || snapshot.findZone(cname->cname_target) != zone) return;
    size_t rdata = w.lastRdataOffset();
    owner = rdata < 0x4000 ? Owner{static_cast<uint16_t>(rdata), {}} : Owner{0, cname->cname_target};
    node = zone->find(cname->cname_target);
  }
}

}  // namespace gtm::dns
