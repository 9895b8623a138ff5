#include "dnssec/zone_signer.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "dns/encoded_record.hpp"
#include "dnssec/canonical.hpp"
#include "dnssec/dnssec_keys.hpp"
#include "dns/wire.hpp"
#include "policy/answer_sets.hpp"

// After the C++ headers: ldns's C headers upset <optional>'s operator<=>.
#include <ldns/ldns.h>

namespace gtm::dns {
namespace {

constexpr uint16_t kTypeRrsig = type::RRSIG, kTypeNsec = type::NSEC, kTypeDnskey = type::DNSKEY;

struct ListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using RrList = std::unique_ptr<ldns_rr_list, ListFree>;
struct KeyListFree {
  void operator()(ldns_key_list* l) const {
    ldns_key_list_set_key_count(l, 0);  // the keys belong to their ZoneKeys
    ldns_key_list_free(l);
  }
};
using KeyList = std::unique_ptr<ldns_key_list, KeyListFree>;

EncodedRecord withTtl(EncodedRecord rec, uint32_t ttl) {
  writeU32(reinterpret_cast<uint8_t*>(rec.data()) + 4, ttl);
  return rec;
}

// The NSEC type bitmap (RFC 4034 4.1.2) of a set of types, by ldns.
std::string typeBitmap(const std::set<uint16_t>& types) {
  std::vector<ldns_rr_type> list;
  for (uint16_t t : types) list.push_back(static_cast<ldns_rr_type>(t));
  std::unique_ptr<ldns_rdf, decltype(&ldns_rdf_deep_free)> rdf(
      ldns_dnssec_create_nsec_bitmap(list.data(), list.size(), LDNS_RR_TYPE_NSEC), ldns_rdf_deep_free);
  if (!rdf) return {};
  return {reinterpret_cast<const char*>(ldns_rdf_data(rdf.get())), ldns_rdf_size(rdf.get())};
}

class Signer {
 public:
  Signer(Zone& z, const config::Zone& cfg, config::Diagnostics& diag) : z_(z), cfg_(cfg), diag_(diag) {}

  bool loadKeys(uint32_t now) {
    const config::Dnssec& d = *cfg_.dnssec;
    for (const config::DnssecKey& k : d.keys) {
      auto key = loadZoneKey(k, z_.apex);
      if (!key) {
        diag_.error(k.where, "[[zone]] dnssec: " + key.error());
        continue;
      }
      keys_.push_back(std::move(*key));
    }
    if (keys_.size() != d.keys.size()) return false;
    inception_ = now - 3600;
    expiration_ = now + d.validitySeconds();
    renew_at_ = expiration_ - d.refreshSeconds();
    for (ZoneKey& k : keys_) {
      if (k.publish_only) continue;
      ldns_key_set_inception(k.key.get(), inception_);
      ldns_key_set_expiration(k.key.get(), expiration_);
      (k.sep ? ksk_ : zsk_).push_back(&k);
    }
    if (ksk_.empty()) {
      diag_.error(d.where, "[[zone]] dnssec: no key can sign the DNSKEY RRset: one needs the SEP flag (257, "
                           "ldns-keygen -k) and must not be publish_only");
      return false;
    }
    // RFC 4035 2.2: every RRset is signed with each algorithm of the
    // apex DNSKEY RRset. An algorithm without a ZSK has its KSKs sign
    // everything (combined signing keys), one without a KSK has its ZSKs
    // sign the DNSKEY RRset too.
    std::vector<ZoneKey*> ksk = ksk_, zsk = zsk_;
    auto hasAlgorithm = [](const std::vector<ZoneKey*>& keys, uint8_t algorithm) {
      return std::any_of(keys.begin(), keys.end(), [&](const ZoneKey* k) { return k->algorithm == algorithm; });
    };
    for (ZoneKey* k : ksk)
      if (!hasAlgorithm(zsk, k->algorithm)) zsk_.push_back(k);
    for (ZoneKey* k : zsk)
      if (!hasAlgorithm(ksk, k->algorithm)) ksk_.push_back(k);
    return true;
  }

  void addDnskeys() {
    RRSet set{kTypeDnskey, {}, {}, {}};
    for (const ZoneKey& k : keys_) set.records.push_back(withTtl(k.dnskey, cfg_.ttl));
    z_.nodes[z_.apex].rrsets.push_back(std::move(set));
  }

  // Signatures of the RRset `records` (encoded, without owner) at `owner`.
  std::vector<EncodedRecord> sign(const std::string& owner, const std::vector<EncodedRecord>& records, bool dnskey) {
    RrList list(ldns_rr_list_new());
    for (const EncodedRecord& rec : records) {
      std::string wire = owner + rec;
      size_t pos = 0;
      ldns_rr* rr = nullptr;
      if (ldns_wire2rr(&rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos, LDNS_SECTION_ANSWER) ==
          LDNS_STATUS_OK)
        ldns_rr_list_push_rr(list.get(), rr);
    }
    KeyList keys(ldns_key_list_new());
    for (ZoneKey* k : dnskey ? ksk_ : zsk_) ldns_key_list_push_key(keys.get(), k->key.get());
    RrList sigs(ldns_sign_public(list.get(), keys.get()));
    std::vector<EncodedRecord> out;
    for (size_t i = 0; sigs && i < ldns_rr_list_rr_count(sigs.get()); ++i) {
      ldns_rr* sig = ldns_rr_list_rr(sigs.get(), i);
      uint8_t* wire = nullptr;
      size_t size = 0;
      if (ldns_rr2wire(&wire, sig, LDNS_SECTION_ANSWER, &size) != LDNS_STATUS_OK) continue;
      size_t owner_size = ldns_rdf_size(ldns_rr_owner(sig));
      out.emplace_back(reinterpret_cast<const char*>(wire) + owner_size, size - owner_size);
      LDNS_FREE(wire);
    }
    ++signed_sets_;
    return out;
  }

  void signStatic() {
    for (auto& [owner, node] : z_.nodes)
      for (RRSet& set : node.rrsets) set.rrsigs = sign(owner, set.records, set.type == kTypeDnskey);
    soaToNegative();
  }

  // The SOA RRset alone, after its serial changed.
  void signSoa() {
    if (Node* apex = z_.nodes.count(z_.apex) ? &z_.nodes[z_.apex] : nullptr)
      for (RRSet& set : apex->rrsets)
        if (set.type == type::SOA) set.rrsigs = sign(z_.apex, set.records, false);
    soaToNegative();
  }

  // Negative answers carry the SOA's RRSIGs with the negative TTL; glue
  // its records' RRSIGs.
  void soaToNegative() {
    const RRSet* soa = z_.find(z_.apex) ? z_.find(z_.apex)->find(type::SOA) : nullptr;
    uint32_t negative_ttl = readU32(reinterpret_cast<const uint8_t*>(z_.negative_soa.data()) + 4);
    z_.negative_soa_rrsigs = soa ? soa->rrsigs : std::vector<EncodedRecord>{};
    for (auto& [owner, node] : z_.nodes)
      for (Glue& g : node.ns_glue)
        if (const Node* at = z_.find(g.owner))
          if (const RRSet* set = at->find(g.type)) g.rrsigs = set->rrsigs;
    for (EncodedRecord& r : z_.negative_soa_rrsigs) writeU32(reinterpret_cast<uint8_t*>(r.data()) + 4, negative_ttl);
  }

  // The NSEC chain over every name with records or a profile.
  void chain(const std::vector<std::set<uint16_t>>& profile_types) {
    std::vector<std::string> names;
    for (const auto& [owner, node] : z_.nodes)
      if (!node.empty()) names.push_back(owner);
    std::sort(names.begin(), names.end(), canonicalLess);
    uint32_t ttl = readU32(reinterpret_cast<const uint8_t*>(z_.negative_soa.data()) + 4);
    auto nsec = [&](const std::string& owner, const std::string& next, std::set<uint16_t> types) {
      types.insert(kTypeRrsig);
      types.insert(kTypeNsec);
      std::string rdata = next + typeBitmap(types);
      EncodedRecord rec(10, '\0');
      auto* p = reinterpret_cast<uint8_t*>(rec.data());
      writeU16(p, kTypeNsec);
      writeU16(p + 2, kClassIn);
      writeU32(p + 4, ttl);
      writeU16(p + 8, static_cast<uint16_t>(rdata.size()));
      rec += rdata;
      SignedRecord out{owner, rec, {}};
      out.rrsigs = sign(owner, {rec}, false);
      return out;
    };
    for (size_t i = 0; i < names.size(); ++i) {
      Node& node = z_.nodes[names[i]];
      const std::string& next = names[(i + 1) % names.size()];
      std::set<uint16_t> types;
      for (const RRSet& s : node.rrsets) types.insert(s.type);
      if (node.profile >= 0) types.insert(profile_types[static_cast<size_t>(node.profile)].begin(),
                                          profile_types[static_cast<size_t>(node.profile)].end());
      node.nsec = static_cast<int>(z_.nsec_chain.size());
      z_.nsec_chain.push_back(nsec(names[i], next, types));
      if (node.profile >= 0) {
        std::set<uint16_t> no_a = types, no_aaaa = types, neither;
        no_a.erase(type::A);
        no_aaaa.erase(type::AAAA);
        neither = no_a;
        neither.erase(type::AAAA);
        node.nsec_variants = static_cast<int>(z_.nsec_variants.size());
        z_.nsec_variants.push_back(
            {nsec(names[i], next, no_a), nsec(names[i], next, no_aaaa), nsec(names[i], next, neither)});
      }
    }
  }

  // Every RRset each profile of the zone can answer with; the types each
  // can have (for its NSEC).
  bool signAnswers(std::span<const policy::Profile> profiles, std::vector<std::set<uint16_t>>& types) {
    types.assign(profiles.size(), {});
    size_t budget = kMaxSignedAnswerSets;
    for (auto& [owner, node] : z_.nodes) {
      if (node.profile < 0) continue;
      const policy::Profile& p = profiles[static_cast<size_t>(node.profile)];
      auto sets = policy::possibleAnswerSets(profiles, static_cast<size_t>(node.profile), budget);
      if (!sets) {
        diag_.error(cfg_.where, "[[profile]] " + p.name + ": can answer with more than " +
                                    std::to_string(kMaxSignedAnswerSets) +
                                    " different address sets in zone " + z_.origin +
                                    ", too many to sign ahead (lower max_answers or split the profile)");
        return false;
      }
      for (const policy::AnswerSet& set : *sets)
        for (uint16_t t : {type::A, type::AAAA}) {
          std::vector<IpAddress> addresses;
          for (const policy::Endpoint* e : set)
            for (const IpAddress& ip : t == type::A ? e->v4 : e->v6) addresses.push_back(ip);
          if (addresses.empty()) continue;
          if (addresses.size() > kMaxSignedAnswerAddresses) {
            // The query path looks signatures up for this many at the most:
            // a larger answer would go out unsigned.
            diag_.error(cfg_.where, "[[profile]] " + p.name + ": an answer of " + std::to_string(addresses.size()) +
                                        " addresses in signed zone " + z_.origin + "; at most " +
                                        std::to_string(kMaxSignedAnswerAddresses) +
                                        " are signed (lower max_answers or the targets per endpoint)");
            return false;
          }
          types[static_cast<size_t>(node.profile)].insert(t);
          char key[kAnswerSetKeyCapacity];
          size_t n = answerSetKey(node.profile, t, addresses, key, sizeof key);
          if (n == 0 || z_.answer_rrsigs.count(std::string_view(key, n))) continue;
          if (budget-- == 0) {
            diag_.error(cfg_.where, "[[profile]] " + p.name + ": more than " + std::to_string(kMaxSignedAnswerSets) +
                                        " answer RRsets to sign in zone " + z_.origin);
            return false;
          }
          std::vector<EncodedRecord> records;
          for (const IpAddress& ip : addresses) records.push_back(addressRecord(ip, p.ttl));
          z_.answer_rrsigs.emplace(std::string(key, n), sign(owner, records, false));
        }
    }
    return true;
  }

  void finish() {
    auto in = [](const std::vector<ZoneKey*>& keys, const ZoneKey& k) {
      return std::find(keys.begin(), keys.end(), &k) != keys.end();
    };
    for (const ZoneKey& k : keys_)
      z_.keys.push_back({k.tag, k.algorithm, k.publish_only           ? "published only"
                                             : in(ksk_, k) && in(zsk_, k) ? "CSK"
                                             : in(ksk_, k)               ? "KSK"
                                                                        : "ZSK"});
    z_.signed_answer_sets = z_.answer_rrsigs.size();
    z_.is_signed = true;
    z_.signatures_expire = expiration_;
    z_.signatures_renew_at = renew_at_;
  }

 private:
  Zone& z_;
  const config::Zone& cfg_;
  config::Diagnostics& diag_;
  std::vector<ZoneKey> keys_;
  std::vector<ZoneKey*> ksk_, zsk_;
  uint32_t inception_ = 0, expiration_ = 0, renew_at_ = 0;
  size_t signed_sets_ = 0;
};

}  // namespace

bool signSoa(Zone& zone, const config::Zone& cfg, config::Diagnostics& diag, uint32_t now) {
  if (!cfg.dnssec) return true;
  Signer s(zone, cfg, diag);
  if (!s.loadKeys(now)) return false;
  s.signSoa();
  return true;
}

bool signZone(Zone& zone, const config::Zone& cfg, std::span<const policy::Profile> profiles,
              config::Diagnostics& diag, uint32_t now) {
  if (!cfg.dnssec) return true;
  Signer s(zone, cfg, diag);
  if (!s.loadKeys(now)) return false;
  s.addDnskeys();
  std::vector<std::set<uint16_t>> profile_types;
  if (!s.signAnswers(profiles, profile_types)) return false;
  s.signStatic();
  s.chain(profile_types);
  s.finish();
  return true;
}

}  // namespace gtm::dns
