// The zone signer and its parts: the canonical order of names (RFC 4034
// 6.1), the answer sets a profile can give, what is signed, and the key
// files it refuses, each with the line and column of the key. Keys are made
// by ldns-keygen, as an admin would make them.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <map>
#include <random>

#include "config/config_loader.hpp"
#include "dnssec/canonical.hpp"
#include "dns/query_handler.hpp"
#include "dns/name.hpp"
#include "dns/snapshot_builder.hpp"
#include "dns/wire.hpp"
#include "policy/answer_sets.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/query_builder.hpp"

// After the C++ headers: ldns's C headers upset <optional>'s operator<=>.
#include <ldns/ldns.h>

namespace gtm::test {
namespace {

std::string wire(const std::string& text) { return *dns::toWireName(text, {}); }

TEST(CanonicalOrder, Rfc4034Example) {
  // RFC 4034 6.1's list, in order (letter case folded, as gtm keeps names).
  std::vector<std::string> names = {"example.", "a.example.", "yljkjljk.a.example.", "z.a.example.",
                                    "zabc.a.example.", "z.example.", "*.z.example."};
  std::vector<std::string> wires;
  for (const auto& n : names) wires.push_back(wire(n));
  std::string odd1 = wire("z.example.");
  odd1.insert(0, std::string("\x01\x01", 2));  // \001.z.example.
  std::string odd2 = wire("z.example.");
  odd2.insert(0, std::string("\x01\xc8", 2));  // \200.z.example.
  wires.insert(wires.begin() + 6, odd1);
  wires.push_back(odd2);
  std::vector<std::string> shuffled(wires.rbegin(), wires.rend());
  std::sort(shuffled.begin(), shuffled.end(), dns::canonicalLess);
  EXPECT_EQ(shuffled, wires);
}

// The hand-written order (kept: it runs per query without allocating)
// agrees with ldns's on random names with shared suffixes.
TEST(CanonicalOrder, AgreesWithLdns) {
  std::mt19937 rng(7);
  const std::vector<std::string> labels = {"a", "b", "z", "aa", "vpn", "www", "-", "0", "a0", std::string("\x01", 1),
                                           std::string("\xff", 1), "example", "com"};
  auto randomWire = [&] {
    std::string wire;
    for (size_t n = rng() % 5; n > 0; --n) {
      const std::string& l = labels[rng() % labels.size()];
      wire += static_cast<char>(l.size());
      wire += l;
    }
    return wire + std::string("\x07" "example" "\x03" "com", 12) + '\0';
  };
  auto rdf = [](const std::string& wire) {
    return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire.size(), wire.data());
  };
  for (int i = 0; i < 5000; ++i) {
    std::string a = randomWire(), b = randomWire();
    ldns_rdf *ra = rdf(a), *rb = rdf(b);
    EXPECT_EQ(dns::canonicalLess(a, b), ldns_dname_compare(ra, rb) < 0) << dns::toText(a) << " " << dns::toText(b);
    ldns_rdf_deep_free(ra);
    ldns_rdf_deep_free(rb);
  }
}

TEST(AnswerSetKey, OrderAndRepeatsDoNotMatter) {
  std::vector<IpAddress> a = {*IpAddress::parse("192.0.2.2"), *IpAddress::parse("192.0.2.1"),
                              *IpAddress::parse("192.0.2.2")};
  std::vector<IpAddress> b = {*IpAddress::parse("192.0.2.1"), *IpAddress::parse("192.0.2.2")};
  char ka[dns::kAnswerSetKeyCapacity], kb[dns::kAnswerSetKeyCapacity];
  size_t na = dns::answerSetKey(3, 1, a, ka, sizeof ka), nb = dns::answerSetKey(3, 1, b, kb, sizeof kb);
  EXPECT_EQ(std::string(ka, na), std::string(kb, nb));
  EXPECT_NE(std::string(ka, na), std::string(kb, dns::answerSetKey(4, 1, b, kb, sizeof kb))) << "another profile";
  EXPECT_EQ(dns::answerSetKey(3, 1, b, kb, 7), 0u) << "does not fit";
}

policy::Profile profile(policy::Routing routing, int endpoints, unsigned max_answers = 2) {
  policy::Profile p;
  p.routing = routing;
  p.max_answers = max_answers;
  for (int i = 0; i < endpoints; ++i) {
    policy::Endpoint e;
    e.name = "e" + std::to_string(i);
    e.v4.push_back(*IpAddress::parse("192.0.2." + std::to_string(i + 1)));
    p.endpoints.push_back(e);
  }
  return p;
}

TEST(AnswerSets, EachRoutingMethod) {
  std::vector<policy::Profile> ps = {profile(policy::Routing::priority, 3)};
  EXPECT_EQ(policy::possibleAnswerSets(ps, 0, 100)->size(), 3u) << "one endpoint each";
  ps = {profile(policy::Routing::multivalue, 4, 2)};
  EXPECT_EQ(policy::possibleAnswerSets(ps, 0, 100)->size(), 4u + 6u) << "every 1 or 2 of 4";
  // Nested: a priority profile over a multivalue child and one endpoint.
  ps = {profile(policy::Routing::priority, 1), profile(policy::Routing::multivalue, 3, 2)};
  policy::Endpoint nested;
  nested.name = "child";
  nested.child = 1;
  ps[0].endpoints.push_back(nested);
  EXPECT_EQ(policy::possibleAnswerSets(ps, 0, 100)->size(), 1u + 3u + 3u);
  // Disabled in the config: never answered.
  ps = {profile(policy::Routing::priority, 3)};
  ps[0].endpoints[1].enabled = false;
  EXPECT_EQ(policy::possibleAnswerSets(ps, 0, 100)->size(), 2u);
  // Too many: refused.
  ps = {profile(policy::Routing::multivalue, 16, 8)};
  EXPECT_FALSE(policy::possibleAnswerSets(ps, 0, 10000));
}

class ZoneSigning : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveCommand("ldns-keygen")) GTEST_SKIP() << "ldns-keygen is not installed (scripts/install-deps.sh test)";
    dir_ = makeTempDir();
  }
  std::string keygen(const std::string& args, const std::string& zone = "z.test") {
    std::string path = ldnsKeygen(dir_, args, zone);
    EXPECT_FALSE(path.empty()) << "ldns-keygen " << args << " " << zone;
    return path;
  }
  // A zone with two records, a profile over three endpoints and `keys`.
  std::string config(const std::string& keys, const std::string& extra = "") {
    return R"([[zone]]
origin = "z.test."
ns = ["ns1.z.test."]
soa = { mname = "ns1.z.test.", rname = "admin.z.test." }
records = [ { name = "ns1", type = "A", data = "192.0.2.53" }, { name = "www", type = "CNAME", data = "vpn" } ]
dnssec = { keys = [)" + keys + "]" + extra + R"( }

[[profile]]
name = "vpn"
fqdn = "vpn.z.test."
routing = "multivalue"
max_answers = 2
  [[profile.endpoint]]
  name = "a"
  target = ["192.0.2.1", "2001:db8::1"]
  [[profile.endpoint]]
  name = "b"
  target = "192.0.2.2"
  [[profile.endpoint]]
  name = "c"
  target = "192.0.2.3"
)";
  }
  std::unique_ptr<dns::Snapshot> build(const std::string& text, std::string& errors) {
    auto loaded = config::loadString(text, "t.toml");
    dns::SerialClock serials;
    std::unique_ptr<dns::Snapshot> snap;
    if (loaded.ok()) snap = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
    errors = loaded.diagnostics.format();
    return snap;
  }
  std::string errorsOf(const std::string& text) {
    std::string errors;
    (void)build(text, errors);
    return errors;
  }
  std::string dir_;
};

TEST_F(ZoneSigning, SignsEveryRRsetTheNsecChainAndEveryAnswer) {
  std::string ksk = keygen("-a ECDSAP256SHA256 -k"), zsk = keygen("-a ECDSAP256SHA256");
  std::string errors;
  auto snap = build(config("\"" + ksk + "\", \"" + zsk + "\""), errors);
  ASSERT_TRUE(snap) << errors;
  const dns::Zone& z = snap->zones[0];
  EXPECT_TRUE(z.is_signed);
  const dns::Node* apex = z.find(z.apex);
  ASSERT_TRUE(apex);
  const dns::RRSet* dnskey = apex->find(48);
  ASSERT_TRUE(dnskey);
  EXPECT_EQ(dnskey->records.size(), 2u);
  EXPECT_EQ(dnskey->rrsigs.size(), 1u) << "the DNSKEY RRset: by the KSK only";
  EXPECT_EQ(apex->find(dns::type::SOA)->rrsigs.size(), 1u) << "the rest: by the ZSK only";
  // The chain: z.test, ns1, vpn, www (canonical order), closed.
  ASSERT_EQ(z.nsec_chain.size(), 4u);
  EXPECT_EQ(z.nsec_chain[0].owner, z.apex);
  EXPECT_EQ(z.nsec_chain[1].owner, wire("ns1.z.test."));
  EXPECT_EQ(z.nsec_chain[3].owner, wire("www.z.test."));
  EXPECT_EQ(z.nsec_chain[3].record.substr(10, z.apex.size()), z.apex) << "the last points back at the apex";
  EXPECT_EQ(z.nsec_variants.size(), 1u) << "the profile's name";
  // A: every 1 or 2 of 3 endpoints (6 sets); AAAA: the sets with endpoint a
  // have one address, and all of them are the same RRset.
  EXPECT_EQ(z.answer_rrsigs.size(), 6u + 1u);
  EXPECT_GT(z.signatures_expire, static_cast<uint32_t>(std::time(nullptr)) + 13 * 86400);
}

// RFC 4035 2.2: each RRset is signed with every algorithm of the DNSKEY
// RRset. An ECDSA KSK and an Ed25519 ZSK: both keys sign everything.
TEST_F(ZoneSigning, SignsEachRRsetWithEveryAlgorithm) {
  std::string ksk = keygen("-a ECDSAP256SHA256 -k"), zsk = keygen("-a ED25519");
  std::string errors;
  auto snap = build(config("\"" + ksk + "\", \"" + zsk + "\""), errors);
  ASSERT_TRUE(snap) << errors;
  const dns::Zone& z = snap->zones[0];
  const dns::Node* apex = z.find(z.apex);
  ASSERT_TRUE(apex);
  EXPECT_EQ(apex->find(48)->rrsigs.size(), 2u);
  EXPECT_EQ(apex->find(dns::type::SOA)->rrsigs.size(), 2u);
  for (const auto& [key, sigs] : z.answer_rrsigs) EXPECT_EQ(sigs.size(), 2u);
  ASSERT_EQ(z.keys.size(), 2u);
  EXPECT_EQ(z.keys[0].role, "CSK");
  EXPECT_EQ(z.keys[1].role, "CSK");
}

TEST_F(ZoneSigning, RefusesBadKeysWithTheirPlace) {
  std::string ksk = keygen("-a ECDSAP256SHA256 -k"), zsk = keygen("-a ED25519");
  std::string rsa = keygen("-a RSASHA256 -b 1024"), other = keygen("-a ED25519", "other.test");
  EXPECT_NE(errorsOf(config("\"" + dir_ + "/Knone\"")).find("t.toml:6:20: [[zone]] dnssec keys: "), std::string::npos)
      << errorsOf(config("\"" + dir_ + "/Knone\""));
  EXPECT_NE(errorsOf(config("\"" + ksk + "\", \"" + rsa + "\"")).find("algorithm 8 is not supported"),
            std::string::npos);
  EXPECT_NE(errorsOf(config("\"" + zsk + "\"")).find("no key can sign the DNSKEY RRset"), std::string::npos);
  EXPECT_NE(errorsOf(config("\"" + ksk + "\", \"" + other + "\"")).find("the DNSKEY is not for this zone"),
            std::string::npos);
  // A .private that is not the .key's, and one that is corrupt.
  ASSERT_EQ(run("cp " + zsk + ".private " + ksk + ".private").exit_code, 0);
  EXPECT_NE(errorsOf(config("\"" + ksk + "\"")).find("its algorithm is not the .key file's"), std::string::npos);
  std::string ksk2 = keygen("-a ECDSAP256SHA256 -k");
  ASSERT_EQ(run("cp " + ksk2 + ".private " + ksk + ".private").exit_code, 0);
  EXPECT_NE(errorsOf(config("\"" + ksk + "\"")).find("does not match the public key"), std::string::npos);
  ASSERT_EQ(run("sed -i 's/^PrivateKey: .*/PrivateKey: !!!/' " + ksk + ".private").exit_code, 0);
  EXPECT_NE(errorsOf(config("\"" + ksk + "\"")).find(".private: PrivateKey is not 32 bytes of base64"), std::string::npos) << errorsOf(config("\"" + ksk + "\""));
  EXPECT_NE(errorsOf(config("\"" + ksk2 + "\"", ", signature_validity = 4, refresh = 4"))
                .find("refresh: must be less than signature_validity"),
            std::string::npos);
}

TEST_F(ZoneSigning, TooManyAnswerSetsNameTheProfile) {
  std::string ksk = keygen("-a ED25519 -k");
  std::string text = config("\"" + ksk + "\"");
  text.replace(text.find("max_answers = 2"), 15, "max_answers = 8");
  for (int i = 0; i < 13; ++i)
    text += "  [[profile.endpoint]]\n  name = \"x" + std::to_string(i) + "\"\n  target = \"198.18.0." +
            std::to_string(i + 1) + "\"\n";
  EXPECT_NE(errorsOf(text).find("[[profile]] vpn: can answer with more than 10000"), std::string::npos)
      << errorsOf(text);
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

// Every record of every answer to a corpus of queries, with and without
// DO, over UDP and TCP, decoded (compression pointers followed) and its
// owner compared with the names it may have: the chain of names the answer
// follows in the answer section, names of the zone elsewhere. A pointer
// into the wrong place shows as another owner (it showed as "." for every
// record after a CNAME with DO).
TEST_F(ZoneSigning, EveryOwnerDecodesToItsName) {
  std::string ksk = keygen("-a ECDSAP256SHA256 -k"), zsk = keygen("-a ECDSAP256SHA256");
  std::string errors;
  std::string text = config("\"" + ksk + "\", \"" + zsk + "\"");
  const std::string www = "{ name = \"www\", type = \"CNAME\", data = \"vpn\" }";
  text.replace(text.find(www), www.size(),
               "{ name = \"www\", type = \"CNAME\", data = \"vpn\" }, { name = \"alias\", type = \"CNAME\", data = \"ns1\" }, "
               "{ name = \"www2\", type = \"CNAME\", data = \"www\" }, { name = \"mail\", type = \"MX\", data = \"10 ns1\" }, "
               "{ name = \"deep.er\", type = \"A\", data = \"192.0.2.9\" }");
  auto snap = build(text, errors);
  ASSERT_TRUE(snap) << errors;
  dns::QueryHandler handler{dns::CookieSecret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1232};
  dns::ClientInfo client;
  client.address = *IpAddress::parse("192.0.2.1");
  client.now = 1700000000;
  const std::map<std::string, std::vector<std::string>> chains{
      {"www.z.test.", {"www.z.test.", "vpn.z.test."}},
      {"alias.z.test.", {"alias.z.test.", "ns1.z.test."}},
      {"www2.z.test.", {"www2.z.test.", "www.z.test.", "vpn.z.test."}},
  };
  size_t checked = 0;
  for (std::string name : {"www.z.test.", "alias.z.test.", "www2.z.test.", "vpn.z.test.", "ns1.z.test.", "z.test.",
                           "mail.z.test.", "er.z.test.", "deep.er.z.test.", "none.z.test.", "x.vpn.z.test."})
    for (uint16_t qtype : {dns::type::A, dns::type::AAAA, dns::type::NS, dns::type::SOA, dns::type::MX,
                           dns::type::TXT, dns::type::DNSKEY, dns::type::CNAME, dns::type::ANY,
                           dns::type::NSEC, dns::type::RRSIG})
      for (bool dnssec : {false, true})
        for (bool tcp : {false, true}) {
          QuerySpec spec;
          spec.name = name;
          spec.qtype = qtype;
          spec.edns = true;
          spec.dnssec_ok = dnssec;
          client.tcp = tcp;
          std::vector<uint8_t> out(65535);
          out.resize(handler.handle(*snap, buildQuery(spec), client, out));
          auto p = decode(out);
          std::string what = name + " type " + std::to_string(qtype) + (dnssec ? " DO" : "") + (tcp ? " TCP" : "");
          ASSERT_TRUE(p) << what << ": does not decode";
          auto it = chains.find(name);
          std::vector<std::string> chain = it == chains.end() ? std::vector<std::string>{name} : it->second;
          for (auto section : {LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL}) {
            ldns_rr_list* rrs = ldns_pkt_get_section_clone(p.get(), section);
            for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) {
              ldns_rr* rr = ldns_rr_list_rr(rrs, i);
              if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_OPT) continue;
              char* owner_text = ldns_rdf2str(ldns_rr_owner(rr));
              std::string owner = owner_text;
              free(owner_text);
              std::transform(owner.begin(), owner.end(), owner.begin(), ::tolower);
              if (section == LDNS_SECTION_ANSWER && ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR) {
                EXPECT_NE(std::find(chain.begin(), chain.end(), owner), chain.end()) << what << ": answer owner " << owner;
              } else {
                EXPECT_TRUE(owner == "z.test." || (owner.size() > 8 && owner.ends_with(".z.test.")))
                    << what << ": owner " << owner << " in section " << section;
              }
              ++checked;
            }
            // RFC 4034 3: an RRSIG's TTL is its RRset's (the negative
            // SOA's TTL is lowered to the minimum; its RRSIG's too).
            for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) {
              ldns_rr* sig = ldns_rr_list_rr(rrs, i);
              if (ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG) continue;
              for (size_t k = 0; k < ldns_rr_list_rr_count(rrs); ++k) {
                ldns_rr* rr = ldns_rr_list_rr(rrs, k);
                if (ldns_rr_get_type(rr) == ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) &&
                    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(sig)) == 0) {
                  EXPECT_EQ(ldns_rr_ttl(sig), ldns_rr_ttl(rr)) << what << ": RRSIG TTL of type " << ldns_rr_get_type(rr);
                }
              }
            }
            ldns_rr_list_deep_free(rrs);
          }
        }
  EXPECT_GT(checked, 500u);
  // Type NSEC at an existing name: the NSEC RRset itself.
  QuerySpec nsec;
  nsec.name = "ns1.z.test.";
  nsec.qtype = dns::type::NSEC;
  nsec.edns = true;
  nsec.dnssec_ok = true;
  std::vector<uint8_t> out(65535);
  out.resize(handler.handle(*snap, buildQuery(nsec), client, out));
  auto p = decode(out);
  ASSERT_TRUE(p);
  ldns_rr_list* answer = ldns_pkt_answer(p.get());
  ASSERT_EQ(ldns_rr_list_rr_count(answer), 2u);
  EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(answer, 0)), LDNS_RR_TYPE_NSEC);
  EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(answer, 1)), LDNS_RR_TYPE_RRSIG);
  // The apex NS answer with DO: the in-zone glue with its RRSIG (RFC 4035
  // 3.1.1), as Knot sends it.
  QuerySpec ns = nsec;
  ns.name = "z.test.";
  ns.qtype = dns::type::NS;
  out.assign(65535, 0);
  out.resize(handler.handle(*snap, buildQuery(ns), client, out));
  auto with_glue = decode(out);
  ASSERT_TRUE(with_glue);
  ldns_rr_list* additional = ldns_pkt_additional(with_glue.get());
  std::vector<int> types;
  for (size_t i = 0; i < ldns_rr_list_rr_count(additional); ++i)
    types.push_back(ldns_rr_get_type(ldns_rr_list_rr(additional, i)));
  EXPECT_EQ(types, (std::vector<int>{LDNS_RR_TYPE_A, LDNS_RR_TYPE_RRSIG}));
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

// An answer larger than the query path signs is refused in a signed zone
// (it went out unsigned before); 64 IPv6 addresses are signed.
TEST_F(ZoneSigning, AnswersLargerThanWhatIsSignedAreRefused) {
  std::string csk = keygen("-a ED25519 -k");
  auto targets = [](int n, bool v6) {
    std::string out = "[";
    for (int i = 0; i < n; ++i)
      out += std::string(i ? ", " : "") + "\"" + (v6 ? "2001:db8:1::" : "198.18.0.") + std::to_string(i + 1) + "\"";
    return out + "]";
  };
  auto text = [&](const std::string& list) {
    std::string t = config("\"" + csk + "\"");
    t.replace(t.find("target = [\"192.0.2.1\", \"2001:db8::1\"]"), 37, "target = " + list);
    return t;
  };
  EXPECT_NE(errorsOf(text(targets(65, false))).find("an answer of 65 addresses in signed zone z.test.; at most 64"),
            std::string::npos)
      << errorsOf(text(targets(65, false)));
  std::string errors;
  auto snap = build(text(targets(64, true)), errors);
  ASSERT_TRUE(snap) << errors;
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

// An ECDSA key whose private scalar starts with a zero byte: ldns-keygen
// writes 31 bytes then (1 key in 256), and the key is as good as any.
TEST_F(ZoneSigning, EcdsaScalarWithALeadingZeroByte) {
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1),
                                                             EC_GROUP_free);
  unsigned char scalar[31];
  for (size_t i = 0; i < sizeof scalar; ++i) scalar[i] = static_cast<unsigned char>(i * 7 + 1);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> d(BN_bin2bn(scalar, sizeof scalar, nullptr), BN_free);
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> q(EC_POINT_new(group.get()), EC_POINT_free);
  unsigned char point[65];
  ASSERT_EQ(EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, nullptr), 1);
  ASSERT_EQ(EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, nullptr), 65u);
  auto b64 = [](const unsigned char* p, size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n))));
    return out;
  };
  writeFile(dir_, "Kz.test.+013+00001.key", "z.test. IN DNSKEY 257 3 13 " + b64(point + 1, 64) + "\n");
  writeFile(dir_, "Kz.test.+013+00001.private",
            "Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: " + b64(scalar, sizeof scalar) + "\n");
  std::string errors;
  auto snap = build(config("\"" + dir_ + "/Kz.test.+013+00001\""), errors);
  EXPECT_TRUE(snap) << errors;
}

}  // namespace
}  // namespace gtm::test
