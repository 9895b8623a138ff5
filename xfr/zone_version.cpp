#include "xfr/zone_version.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "dns/encoded_record.hpp"
#include "dns/wire.hpp"
#include "dnssec/canonical.hpp"
#include "policy/router.hpp"

namespace gtm::xfr {
namespace {

// The profile's answer for secondaries: A and AAAA records, their RRSIGs in
// a signed zone; which families it has.
void addProfileAnswer(const dns::Snapshot& snapshot, const dns::Zone& zone, const std::string& owner, int index,
                      std::vector<OwnedRecord>& out, bool& has_a, bool& has_aaaa) {
  const policy::Profile& p = snapshot.profiles[static_cast<size_t>(index)];
  policy::ClientView view;
  view.for_secondaries = true;
  policy::Decision d;
  if (snapshot.health) policy::decide(snapshot.profiles, static_cast<size_t>(index), *snapshot.health, view, d);
  for (uint16_t type : {dns::type::A, dns::type::AAAA}) {
    std::vector<IpAddress> addresses;
    for (size_t i = 0; i < d.count; ++i)
      for (const IpAddress& ip : type == dns::type::A ? d.endpoints[i]->v4 : d.endpoints[i]->v6) addresses.push_back(ip);
    std::sort(addresses.begin(), addresses.end(), [](const IpAddress& x, const IpAddress& y) { return x.bytes < y.bytes; });
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
    if (addresses.empty()) continue;
    (type == dns::type::A ? has_a : has_aaaa) = true;
    for (const IpAddress& ip : addresses) out.emplace_back(owner, dns::addressRecord(ip, p.ttl));
    if (!zone.is_signed) continue;
    char key[dns::kAnswerSetKeyCapacity];
    size_t n = dns::answerSetKey(index, type, addresses, key, sizeof key);
    if (auto it = zone.answer_rrsigs.find(std::string_view(key, n)); n && it != zone.answer_rrsigs.end())
      for (const dns::EncodedRecord& sig : it->second) out.emplace_back(owner, sig);
  }
}

void addSigned(const dns::SignedRecord& r, std::vector<OwnedRecord>& out) {
  out.emplace_back(r.owner, r.record);
  for (const dns::EncodedRecord& sig : r.rrsigs) out.emplace_back(r.owner, sig);
}

}  // namespace

std::shared_ptr<const ZoneVersion> currentVersion(const dns::Snapshot& snapshot, const dns::Zone& zone) {
  auto v = std::make_shared<ZoneVersion>();
  v->serial = snapshot.serial;
  v->apex = zone.apex;
  for (const auto& [owner, node] : zone.nodes) {
    for (const dns::RRSet& set : node.rrsets) {
      if (owner == zone.apex && set.type == dns::type::SOA) {
        if (!set.records.empty()) v->soa = set.records.front();
        for (const dns::EncodedRecord& sig : set.rrsigs) v->soa_rrsigs.emplace_back(owner, sig);
        continue;
      }
      for (const dns::EncodedRecord& rec : set.records) v->records.emplace_back(owner, rec);
      for (const dns::EncodedRecord& sig : set.rrsigs) v->records.emplace_back(owner, sig);
    }
    bool has_a = false, has_aaaa = false;
    if (node.profile >= 0) addProfileAnswer(snapshot, zone, owner, node.profile, v->records, has_a, has_aaaa);
    if (!zone.is_signed || node.nsec < 0) continue;
    if (node.nsec_variants >= 0 && !(has_a && has_aaaa)) {
      const auto& variants = zone.nsec_variants[static_cast<size_t>(node.nsec_variants)];
      addSigned(variants[has_a ? 1 : has_aaaa ? 0 : 2], v->records);
    } else {
      addSigned(zone.nsec_chain[static_cast<size_t>(node.nsec)], v->records);
    }
  }
  std::sort(v->records.begin(), v->records.end());
  v->records.erase(std::unique(v->records.begin(), v->records.end()), v->records.end());
  v->bytes = v->soa.size() + v->apex.size();
  for (const OwnedRecord& r : v->records) v->bytes += r.first.size() + r.second.size();
  return v;
}

std::string contentDigest(const std::vector<std::shared_ptr<const ZoneVersion>>& versions) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return {};
  auto add = [&](std::string_view part) {
    uint32_t size = static_cast<uint32_t>(part.size());
    EVP_DigestUpdate(ctx.get(), &size, sizeof size);
    EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  };
  for (const auto& v : versions) {
    add(v->apex);
    for (const OwnedRecord& r : v->records) {
      add(r.first);
      add(r.second);
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &size) != 1) return {};
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

Difference difference(const ZoneVersion& from, const ZoneVersion& to) {
  Difference d;
  std::set_difference(from.records.begin(), from.records.end(), to.records.begin(), to.records.end(),
                      std::back_inserter(d.removed));
  std::set_difference(to.records.begin(), to.records.end(), from.records.begin(), from.records.end(),
                      std::back_inserter(d.added));
  return d;
}

}  // namespace gtm::xfr
