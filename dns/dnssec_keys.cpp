#include "dns/dnssec_keys.hpp"

#include <cstdio>

// After the C++ headers: ldns's C headers upset <optional>'s operator<=>.
#include <ldns/ldns.h>

namespace gtm::dns {
namespace {

struct RrFree {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using Rr = std::unique_ptr<ldns_rr, RrFree>;
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using Rdf = std::unique_ptr<ldns_rdf, RdfFree>;

// A file's text as a FILE*, for ldns's readers.
struct MemoryFile {
  explicit MemoryFile(const std::string& text)
      : f(fmemopen(const_cast<char*>(text.data()), text.size(), "r")) {}
  ~MemoryFile() {
    if (f) fclose(f);
  }
  FILE* f;
};

// The first record in a .key file (comments and blank lines skipped).
Result<Rr> readDnskey(const std::string& text) {
  MemoryFile in(text);
  if (!in.f) return Error{"cannot read"};
  uint32_t ttl = 3600;
  ldns_rdf* origin = nullptr;
  ldns_rdf* prev = nullptr;
  int line = 1;
  for (;;) {
    ldns_rr* rr = nullptr;
    ldns_status s = ldns_rr_new_frm_fp_l(&rr, in.f, &ttl, &origin, &prev, &line);
    if (s == LDNS_STATUS_OK) {
      if (origin) ldns_rdf_deep_free(origin);
      if (prev) ldns_rdf_deep_free(prev);
      return Rr(rr);
    }
    if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL || s == LDNS_STATUS_SYNTAX_ORIGIN) continue;
    if (origin) ldns_rdf_deep_free(origin);
    if (prev) ldns_rdf_deep_free(prev);
    if (feof(in.f)) return Error{"holds no DNSKEY record"};
    return Error{std::string("line ") + std::to_string(line) + ": " + ldns_get_errorstr_by_id(s)};
  }
}

std::string wireOf(const ldns_rdf* name) {
  return {reinterpret_cast<const char*>(ldns_rdf_data(name)), ldns_rdf_size(name)};
}

}  // namespace

Result<ZoneKey> loadZoneKey(const config::DnssecKey& k, std::string_view origin_wire) {
  ZoneKey out;
  out.path = k.path;
  out.publish_only = k.publish_only;
  auto pub = readDnskey(k.public_text);
  if (!pub) return Error{k.path + ".key: " + pub.error()};
  ldns_rr* rr = pub->get();
  if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY || ldns_rr_rd_count(rr) != 4)
    return Error{k.path + ".key: holds no DNSKEY record"};
  std::string owner = wireOf(ldns_rr_owner(rr));
  for (char& c : owner) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (owner != origin_wire) return Error{k.path + ".key: the DNSKEY is not for this zone"};
  uint16_t flags = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
  out.algorithm = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
  if (out.algorithm != LDNS_SIGN_ECDSAP256SHA256 && out.algorithm != LDNS_SIGN_ED25519)
    return Error{k.path + ".key: algorithm " + std::to_string(out.algorithm) +
                 " is not supported (13, ECDSAP256SHA256, or 15, ED25519)"};
  if (!(flags & LDNS_KEY_ZONE_KEY)) return Error{k.path + ".key: not a zone key (flags " + std::to_string(flags) + ")"};
  out.sep = (flags & LDNS_KEY_SEP_KEY) != 0;
  out.tag = ldns_calc_keytag(rr);

  MemoryFile in(k.private_text);
  ldns_key* key = nullptr;
  int line = 1;
  ldns_status s = in.f ? ldns_key_new_frm_fp_l(&key, in.f, &line) : LDNS_STATUS_FILE_ERR;
  if (s != LDNS_STATUS_OK)
    return Error{k.path + ".private: line " + std::to_string(line) + ": " + ldns_get_errorstr_by_id(s)};
  out.key = std::shared_ptr<ldns_key>(key, ldns_key_deep_free);
  if (ldns_key_algorithm(key) != out.algorithm)
    return Error{k.path + ".private: its algorithm is not the .key file's"};
  ldns_key_set_flags(key, flags);
  ldns_key_set_pubkey_owner(key, ldns_rdf_clone(ldns_rr_owner(rr)));
  ldns_key_set_keytag(key, out.tag);
  // The private key must be the public key's.
  Rr derived(ldns_key2rr(key));
  if (!derived || ldns_rdf_compare(ldns_rr_rdf(derived.get(), 3), ldns_rr_rdf(rr, 3)) != 0)
    return Error{k.path + ".private: does not match the public key in " + k.path + ".key"};

  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &size) != LDNS_STATUS_OK) return Error{k.path + ": cannot encode"};
  size_t owner_size = ldns_rdf_size(ldns_rr_owner(rr));
  out.dnskey.assign(reinterpret_cast<const char*>(wire) + owner_size, size - owner_size);
  LDNS_FREE(wire);
  return out;
}

std::string dsRecord(const ZoneKey& k, std::string_view origin_wire, uint32_t ttl) {
  std::string wire(origin_wire);
  wire += k.dnskey;
  size_t pos = 0;
  ldns_rr* key_rr = nullptr;
  if (ldns_wire2rr(&key_rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos, LDNS_SECTION_ANSWER) !=
      LDNS_STATUS_OK)
    return "";
  Rr key(key_rr);
  Rr ds(ldns_key_rr2ds(key.get(), LDNS_SHA256));
  if (!ds) return "";
  ldns_rr_set_ttl(ds.get(), ttl);
  char* text = ldns_rr2str(ds.get());
  std::string out = text ? text : "";
  free(text);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace gtm::dns
