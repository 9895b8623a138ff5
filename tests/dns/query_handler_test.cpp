// The packet path end to end, without sockets: query bytes in, response
// bytes out, decoded with ldns for the assertions.
#include "dns/query_handler.hpp"

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "dns/snapshot_builder.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"
#include "tests/support/test_snapshot.hpp"

namespace gtm::test {
namespace {

using dns::type::A;
using dns::type::AAAA;

class QueryHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string errors;
    snapshot_ = compileSnapshot(testConfig(), errors);
    ASSERT_TRUE(snapshot_) << errors;
    client_.address = *IpAddress::parse("192.0.2.1");
    client_.now = 1700000000;
  }

  std::vector<uint8_t> raw(const std::vector<uint8_t>& query, bool tcp = false) {
    client_.tcp = tcp;
    std::vector<uint8_t> out(65535);
    size_t n = handler_.handle(*snapshot_, query, client_, out);
    out.resize(n);
    return out;
  }
  Packet ask(const QuerySpec& spec, bool tcp = false) {
    auto wire = raw(buildQuery(spec), tcp);
    last_size_ = wire.size();
    auto p = decode(wire);
    EXPECT_TRUE(p) << "response does not decode";
    return p;
  }
  static QuerySpec q(const std::string& name, uint16_t qtype) {
    QuerySpec s;
    s.name = name;
    s.qtype = qtype;
    return s;
  }

  std::unique_ptr<dns::Snapshot> snapshot_;
  dns::QueryHandler handler_{dns::CookieSecret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1232};
  dns::ClientInfo client_;
  size_t last_size_ = 0;
};

TEST_F(QueryHandlerTest, ProfileAnswersFirstEndpointWithProfileTtlAndFlags) {
  auto p = ask(q("aovpn.vpn.example.com.", A));
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(ldns_pkt_aa(p.get()));
  EXPECT_FALSE(ldns_pkt_ra(p.get()));
  EXPECT_TRUE(ldns_pkt_rd(p.get()));  // copied from the query
  EXPECT_TRUE(ldns_pkt_qr(p.get()));
  EXPECT_EQ(ldns_pkt_id(p.get()), 0x1234);
  EXPECT_EQ(section(p.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"aovpn.vpn.example.com. 30 IN A 198.51.100.10"}));
  auto v6 = ask(q("aovpn.vpn.example.com.", AAAA));
  EXPECT_EQ(section(v6.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"aovpn.vpn.example.com. 30 IN AAAA 2001:db8:e::10"}));
}

TEST_F(QueryHandlerTest, RdClearStaysClear) {
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.flags = 0;
  auto p = ask(spec);
  EXPECT_FALSE(ldns_pkt_rd(p.get()));
}

TEST_F(QueryHandlerTest, DisabledEndpointIsNeverAnswered) {
  auto p = ask(q("standby.vpn.example.com.", A));
  EXPECT_EQ(section(p.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"standby.vpn.example.com. 30 IN A 198.51.100.21"}));
  // "on" has no IPv6 address: NODATA.
  auto v6 = ask(q("standby.vpn.example.com.", AAAA));
  EXPECT_EQ(ldns_pkt_get_rcode(v6.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(v6.get()), 0);
  EXPECT_EQ(ldns_pkt_nscount(v6.get()), 1);
}

TEST_F(QueryHandlerTest, QuestionEchoedWithTheQueryLetterCase) {
  auto query = buildQuery(q("AoVpN.VPN.example.COM.", A));
  auto wire = raw(query);
  ASSERT_GT(wire.size(), query.size());
  // Header aside, the question bytes are identical.
  EXPECT_TRUE(std::equal(query.begin() + 12, query.end(), wire.begin() + 12));
  auto p = decode(wire);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
}

TEST_F(QueryHandlerTest, ProfileOtherTypeIsNodataWithSoa) {
  auto p = ask(q("aovpn.vpn.example.com.", dns::type::MX));
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 0);
  auto auth = section(p.get(), LDNS_SECTION_AUTHORITY);
  ASSERT_EQ(auth.size(), 1u);
  EXPECT_EQ(auth[0].rfind("vpn.example.com. 30 IN SOA ns1.vpn.example.com. hostmaster.example.com. 2024010101", 0), 0u)
      << auth[0];
}

TEST_F(QueryHandlerTest, NxdomainCarriesSoaAtNegativeTtl) {
  auto p = ask(q("nothing.vpn.example.com.", A));
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NXDOMAIN);
  EXPECT_TRUE(ldns_pkt_aa(p.get()));
  auto auth = section(p.get(), LDNS_SECTION_AUTHORITY);
  ASSERT_EQ(auth.size(), 1u);
  // min(SOA TTL 3600, minimum 30)
  EXPECT_EQ(auth[0].rfind("vpn.example.com. 30 IN SOA", 0), 0u) << auth[0];
}

TEST_F(QueryHandlerTest, NamesBelowAProfileAreNxdomain) {
  auto p = ask(q("x.aovpn.vpn.example.com.", A));
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NXDOMAIN);
}

TEST_F(QueryHandlerTest, EmptyNonTerminalIsNodata) {
  for (const char* name : {"ent.sub.vpn.example.com.", "sub.vpn.example.com.", "_tcp.vpn.example.com."}) {
    auto p = ask(q(name, A));
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR) << name;
    EXPECT_EQ(ldns_pkt_ancount(p.get()), 0) << name;
    EXPECT_EQ(ldns_pkt_nscount(p.get()), 1) << name;
  }
  auto deep = ask(q("deep.ent.sub.vpn.example.com.", A));
  EXPECT_EQ(ldns_pkt_ancount(deep.get()), 1);
}

TEST_F(QueryHandlerTest, ApexSoaAndNsWithGlue) {
  auto soa = ask(q("vpn.example.com.", dns::type::SOA));
  EXPECT_EQ(section(soa.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"vpn.example.com. 3600 IN SOA ns1.vpn.example.com. hostmaster.example.com. "
                                      "2024010101 3600 600 1209600 30"}));
  auto ns = ask(q("vpn.example.com.", dns::type::NS));
  EXPECT_EQ(section(ns.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"vpn.example.com. 3600 IN NS ns1.vpn.example.com.",
                                      "vpn.example.com. 3600 IN NS ns2.vpn.example.com."}));
  EXPECT_EQ(section(ns.get(), LDNS_SECTION_ADDITIONAL),
            (std::vector<std::string>{"ns1.vpn.example.com. 3600 IN A 192.0.2.53",
                                      "ns2.vpn.example.com. 86400 IN AAAA 2001:db8::53"}));
}

// Every name is compressed against the longest suffix written before it
// (RFC 1035 4.1.4), as Knot does: names inside NS, SOA, MX and CNAME data
// point at the apex in the question, glue owners at the NS data; the apex
// NS answer is 68 bytes smaller than written out, and still decodes.
TEST_F(QueryHandlerTest, NamesInRdataAreCompressed) {
  auto wire = raw(buildQuery(q("vpn.example.com.", dns::type::NS)));
  const std::string bytes(wire.begin(), wire.end());
  EXPECT_NE(bytes.find(std::string("\x03" "ns1" "\xc0\x0c", 6)), std::string::npos) << "NS ns1 + pointer to the apex";
  EXPECT_NE(bytes.find(std::string("\x03" "ns2" "\xc0\x0c", 6)), std::string::npos);
  // 12 header + 21 question + 2 x 18 NS + glue whose owners point at the
  // NS data (2 + 10 + 4, 2 + 10 + 16): 113 bytes, where every name written
  // out made 181 and apex-only pointers 121.
  EXPECT_EQ(wire.size(), 12u + 21 + 2 * 18 + 16 + 28);
  auto glue = decode(wire);
  ASSERT_TRUE(glue);
  EXPECT_EQ(section(glue.get(), LDNS_SECTION_ADDITIONAL),
            (std::vector<std::string>{"ns1.vpn.example.com. 3600 IN A 192.0.2.53",
                                      "ns2.vpn.example.com. 86400 IN AAAA 2001:db8::53"}));
  // Below the apex the pointer lands on the apex inside the longer name.
  auto mx = raw(buildQuery(q("www.vpn.example.com.", dns::type::A)));
  auto p = decode(mx);
  ASSERT_TRUE(p);
  EXPECT_EQ(section(p.get(), LDNS_SECTION_ANSWER).front(), "www.vpn.example.com. 3600 IN CNAME aovpn.vpn.example.com.");
  const std::string cname(mx.begin(), mx.end());
  EXPECT_NE(cname.find(std::string("\x05" "aovpn" "\xc0\x10", 8)), std::string::npos) << "pointer to offset 16";
  // SOA: both names.
  auto soa = decode(raw(buildQuery(q("vpn.example.com.", dns::type::SOA))));
  ASSERT_TRUE(soa);
  EXPECT_EQ(section(soa.get(), LDNS_SECTION_ANSWER).front(),
            "vpn.example.com. 3600 IN SOA ns1.vpn.example.com. hostmaster.example.com. 2024010101 3600 600 1209600 30");
}

TEST_F(QueryHandlerTest, StaticTypes) {
  struct Case {
    const char* name;
    uint16_t type;
    const char* expect;
  } cases[] = {
      {"vpn.example.com.", dns::type::TXT, "vpn.example.com. 3600 IN TXT \"v=spf1 -all\""},
      {"vpn.example.com.", dns::type::MX, "vpn.example.com. 3600 IN MX 10 mail.vpn.example.com."},
      {"_sstp._tcp.vpn.example.com.", dns::type::SRV, "_sstp._tcp.vpn.example.com. 3600 IN SRV 0 0 443 aovpn.vpn.example.com."},
      {"vpn.example.com.", dns::type::CAA, "vpn.example.com. 3600 IN CAA 0 issue \"letsencrypt.org\""},
      {"ext.vpn.example.com.", dns::type::CNAME, "ext.vpn.example.com. 3600 IN CNAME vpn.example.org."},
  };
  for (const Case& c : cases) {
    auto p = ask(q(c.name, c.type));
    auto ans = section(p.get(), LDNS_SECTION_ANSWER);
    ASSERT_EQ(ans.size(), 1u) << c.name;
    EXPECT_EQ(ans[0], c.expect);
  }
}

TEST_F(QueryHandlerTest, CnameIsFollowedInsideTheZone) {
  auto p = ask(q("www.vpn.example.com.", A));
  EXPECT_EQ(section(p.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"www.vpn.example.com. 3600 IN CNAME aovpn.vpn.example.com.",
                                      "aovpn.vpn.example.com. 30 IN A 198.51.100.10"}));
  auto out = ask(q("ext.vpn.example.com.", A));
  EXPECT_EQ(section(out.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"ext.vpn.example.com. 3600 IN CNAME vpn.example.org."}));
  EXPECT_EQ(ldns_pkt_get_rcode(out.get()), LDNS_RCODE_NOERROR);
}

TEST_F(QueryHandlerTest, RefusedOutsideZonesAndForOtherClasses) {
  auto outside = ask(q("example.org.", A));
  EXPECT_EQ(ldns_pkt_get_rcode(outside.get()), LDNS_RCODE_REFUSED);
  EXPECT_FALSE(ldns_pkt_aa(outside.get()));
  EXPECT_EQ(ldns_pkt_ancount(outside.get()) + ldns_pkt_nscount(outside.get()), 0);
  auto parent = ask(q("example.com.", dns::type::NS));
  EXPECT_EQ(ldns_pkt_get_rcode(parent.get()), LDNS_RCODE_REFUSED);
  auto chaos = q("aovpn.vpn.example.com.", dns::type::TXT);
  chaos.qclass = 3;
  EXPECT_EQ(ldns_pkt_get_rcode(ask(chaos).get()), LDNS_RCODE_REFUSED);
  auto axfr = ask(q("vpn.example.com.", dns::type::AXFR), true);
  EXPECT_EQ(ldns_pkt_get_rcode(axfr.get()), LDNS_RCODE_REFUSED);
}

TEST_F(QueryHandlerTest, MalformedAndOtherOpcodes) {
  auto two = q("aovpn.vpn.example.com.", A);
  two.qdcount_override = 2;
  EXPECT_EQ(ldns_pkt_get_rcode(ask(two).get()), LDNS_RCODE_FORMERR);
  auto zero = q("aovpn.vpn.example.com.", A);
  zero.qdcount_override = 0;
  EXPECT_EQ(ldns_pkt_get_rcode(ask(zero).get()), LDNS_RCODE_FORMERR);
  auto notify = q("vpn.example.com.", dns::type::SOA);
  notify.flags = (4 << 11) | 0x0100 | 0x0010;  // NOTIFY, RD, CD
  auto p = ask(notify);
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOTIMPL);
  EXPECT_EQ(ldns_pkt_get_opcode(p.get()), LDNS_PACKET_NOTIFY);
  EXPECT_TRUE(ldns_pkt_rd(p.get())) << "RD is copied";
  EXPECT_FALSE(ldns_pkt_cd(p.get())) << "no other flag";
  EXPECT_FALSE(ldns_pkt_aa(p.get()));
  // An OPT record in the answer section (RFC 6891 6.1.1).
  auto opt = q("aovpn.vpn.example.com.", A);
  opt.edns = true;
  auto wire = buildQuery(opt);
  wire[7] = 1;   // ANCOUNT 1
  wire[11] = 0;  // ARCOUNT 0: the OPT record now stands in the answer section
  EXPECT_EQ(ldns_pkt_get_rcode(decode(raw(wire)).get()), LDNS_RCODE_FORMERR);
  // A name running past the end of the packet.
  auto cut = buildQuery(q("aovpn.vpn.example.com.", A));
  cut.resize(20);
  EXPECT_EQ(ldns_pkt_get_rcode(decode(raw(cut)).get()), LDNS_RCODE_FORMERR);
}

TEST_F(QueryHandlerTest, ResponsesAndRuntsGetNoAnswer) {
  auto response = q("aovpn.vpn.example.com.", A);
  response.flags = 0x8000;
  EXPECT_TRUE(raw(buildQuery(response)).empty());
  EXPECT_TRUE(raw({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0}).empty());
  EXPECT_TRUE(raw({}).empty());
}

TEST_F(QueryHandlerTest, EdnsOptInReplyAndPayloadCapped) {
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.edns = true;
  spec.udp_payload = 4096;
  auto p = ask(spec);
  EXPECT_EQ(ldns_pkt_edns_udp_size(p.get()), 1232);
  EXPECT_EQ(ldns_pkt_edns_version(p.get()), 0);
  auto plain = ask(q("aovpn.vpn.example.com.", A));
  EXPECT_FALSE(ldns_pkt_edns(plain.get()));
}

TEST_F(QueryHandlerTest, TruncatesToTheClientsPayloadSize) {
  // The big TXT is about 780 bytes: over 512 without EDNS, fits with 1232.
  auto plain = ask(q("big.vpn.example.com.", dns::type::TXT));
  EXPECT_TRUE(ldns_pkt_tc(plain.get()));
  EXPECT_EQ(ldns_pkt_ancount(plain.get()), 0);
  EXPECT_LE(last_size_, 512u);
  auto spec = q("big.vpn.example.com.", dns::type::TXT);
  spec.edns = true;
  spec.udp_payload = 1232;
  auto big = ask(spec);
  EXPECT_FALSE(ldns_pkt_tc(big.get()));
  EXPECT_EQ(ldns_pkt_ancount(big.get()), 1);
  spec.udp_payload = 600;
  auto small = ask(spec);
  EXPECT_TRUE(ldns_pkt_tc(small.get()));
  EXPECT_LE(last_size_, 600u);
  EXPECT_TRUE(ldns_pkt_edns(small.get()));  // OPT kept in a truncated reply
  // Over TCP the limit is the message size.
  auto tcp = ask(q("big.vpn.example.com.", dns::type::TXT), true);
  EXPECT_FALSE(ldns_pkt_tc(tcp.get()));
}

TEST_F(QueryHandlerTest, BadversForEdnsVersionAboveZero) {
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.edns = true;
  spec.edns_version = 1;
  auto wire = raw(buildQuery(spec));
  auto p = decode(wire);
  ASSERT_TRUE(p);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 0);
  EXPECT_EQ(ldns_pkt_edns_extended_rcode(p.get()), 1);  // 16 >> 4
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), 0);
  EXPECT_EQ(ldns_pkt_edns_version(p.get()), 0);
}

TEST_F(QueryHandlerTest, TwoOptRecordsAreFormerr) {
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.edns = true;
  spec.opt_count = 2;
  EXPECT_EQ(ldns_pkt_get_rcode(decode(raw(buildQuery(spec))).get()), LDNS_RCODE_FORMERR);
}

TEST_F(QueryHandlerTest, UnknownOptionsIgnoredNotEchoed) {
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.edns = true;
  spec.options = {{65001, {1, 2, 3}}, {3 /* NSID */, {}}};
  auto p = ask(spec);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
  EXPECT_TRUE(ednsOption(p.get(), 65001).empty());
  ldns_rdf* options = ldns_pkt_edns_data(p.get());
  EXPECT_TRUE(options == nullptr || ldns_rdf_size(options) == 0);
}

TEST_F(QueryHandlerTest, ClientCookieGetsAServerCookie) {
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.edns = true;
  std::vector<uint8_t> client_cookie{1, 2, 3, 4, 5, 6, 7, 8};
  spec.options = {{10, client_cookie}};
  auto p = ask(spec);
  auto cookie = ednsOption(p.get(), 10);
  ASSERT_EQ(cookie.size(), 24u);
  EXPECT_TRUE(std::equal(client_cookie.begin(), client_cookie.end(), cookie.begin()));
  EXPECT_EQ(cookie[8], 1);  // RFC 9018 version
  dns::CookieSigner verifier(dns::CookieSecret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  EXPECT_TRUE(verifier.verify(cookie, client_.address, client_.now));
  // Sent back with the server cookie: still answered, with a cookie again.
  spec.options = {{10, cookie}};
  auto again = ask(spec);
  EXPECT_EQ(ldns_pkt_ancount(again.get()), 1);
  EXPECT_EQ(ednsOption(again.get(), 10).size(), 24u);
}

TEST_F(QueryHandlerTest, CookieOnlyQueryGetsNoerrorWithAServerCookie) {
  // RFC 7873 section 5.4: no question, only a COOKIE option.
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.qdcount_override = 0;
  spec.omit_question = true;
  spec.edns = true;
  spec.options = {{10, {1, 2, 3, 4, 5, 6, 7, 8}}};
  auto p = ask(spec);
  ASSERT_TRUE(p);
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_qdcount(p.get()), 0);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 0);
  EXPECT_EQ(ednsOption(p.get(), 10).size(), 24u);
  // Without a cookie, no question is still FORMERR.
  spec.options = {};
  EXPECT_EQ(ldns_pkt_get_rcode(ask(spec).get()), LDNS_RCODE_FORMERR);
  spec.edns = false;
  EXPECT_EQ(ldns_pkt_get_rcode(ask(spec).get()), LDNS_RCODE_FORMERR);
}

// gtm holds no TSIG keys: a signed query gets NOTAUTH with an unsigned TSIG
// record whose error is BADKEY (RFC 8945 section 5.2), not an answer.
TEST_F(QueryHandlerTest, TsigSignedQueryGetsNotauthBadkey) {
  for (bool edns : {false, true}) {
    ldns_pkt* query = nullptr;
    ASSERT_EQ(ldns_pkt_query_new_frm_str(&query, "aovpn.vpn.example.com.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0),
              LDNS_STATUS_OK);
    ldns_pkt_set_id(query, 4711);
    if (edns) ldns_pkt_set_edns_udp_size(query, 1232);
    ASSERT_EQ(ldns_pkt_tsig_sign(query, "some-key.example.", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=", 300, "hmac-sha256.",
                                 nullptr),
              LDNS_STATUS_OK);
    uint8_t* wire = nullptr;
    size_t size = 0;
    ASSERT_EQ(ldns_pkt2wire(&wire, query, &size), LDNS_STATUS_OK);
    std::vector<uint8_t> bytes(wire, wire + size);
    free(wire);
    ldns_pkt_free(query);
    auto p = decode(raw(bytes));
    ASSERT_TRUE(p) << "edns " << edns;
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOTAUTH);
    EXPECT_EQ(ldns_pkt_ancount(p.get()), 0);
    EXPECT_EQ(ldns_pkt_id(p.get()), 4711);
    ldns_rr* tsig = ldns_pkt_tsig(p.get());
    ASSERT_TRUE(tsig) << "edns " << edns;
    char* owner = ldns_rdf2str(ldns_rr_owner(tsig));
    EXPECT_STREQ(owner, "some-key.example.");
    free(owner);
    char* algorithm = ldns_rdf2str(ldns_rr_rdf(tsig, 0));
    EXPECT_STREQ(algorithm, "hmac-sha256.");
    free(algorithm);
    EXPECT_EQ(ldns_rdf_size(ldns_rr_rdf(tsig, 3)), 2u) << "an empty MAC: unsigned";
    EXPECT_EQ(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 4)), 4711) << "original ID";
    EXPECT_EQ(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)), 17) << "error BADKEY";
    EXPECT_EQ(ldns_pkt_edns(p.get()), edns);
  }
}

TEST_F(QueryHandlerTest, MalformedCookieIsFormerr) {
  for (size_t len : {0u, 5u, 9u, 15u, 41u}) {
    auto spec = q("aovpn.vpn.example.com.", A);
    spec.edns = true;
    spec.options = {{10, std::vector<uint8_t>(len, 7)}};
    auto p = decode(raw(buildQuery(spec)));
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_FORMERR) << "cookie length " << len;
  }
}

TEST_F(QueryHandlerTest, ClientSubnetEchoedWithScopeZero) {
  auto spec = q("aovpn.vpn.example.com.", A);
  spec.edns = true;
  spec.options = {{8, {0, 1, 24, 0, 203, 0, 113}}};
  auto p = ask(spec);
  EXPECT_EQ(ednsOption(p.get(), 8), (std::vector<uint8_t>{0, 1, 24, 0, 203, 0, 113}));
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
  // Address longer than the prefix needs, bits past the prefix, bad family.
  for (std::vector<uint8_t> bad : {std::vector<uint8_t>{0, 1, 16, 0, 203, 0, 113}, {0, 1, 23, 0, 203, 0, 113},
                                   {0, 9, 0, 0}, {0, 1, 33, 0, 1, 2, 3, 4, 5}}) {
    spec.options = {{8, bad}};
    EXPECT_EQ(ldns_pkt_get_rcode(decode(raw(buildQuery(spec))).get()), LDNS_RCODE_FORMERR);
  }
}

TEST_F(QueryHandlerTest, AnyGetsOneSmallRrset) {
  auto apex = ask(q("vpn.example.com.", dns::type::ANY));
  auto ans = section(apex.get(), LDNS_SECTION_ANSWER);
  ASSERT_EQ(ans.size(), 1u);  // the SOA only, not the whole node
  EXPECT_NE(ans[0].find(" SOA "), std::string::npos);
  auto profile = ask(q("aovpn.vpn.example.com.", dns::type::ANY));
  EXPECT_EQ(section(profile.get(), LDNS_SECTION_ANSWER),
            (std::vector<std::string>{"aovpn.vpn.example.com. 30 IN A 198.51.100.10"}));
}

}  // namespace
}  // namespace gtm::test
