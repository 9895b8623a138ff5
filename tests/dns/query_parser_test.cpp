// Table-driven wire tests of the query parser: bytes in, status and fields out.
#include <gtest/gtest.h>

#include "dns/query.hpp"
#include "tests/support/query_builder.hpp"

namespace gtm::test {
namespace {

using dns::ParseStatus;

struct ParseCase {
  const char* what;
  std::vector<uint8_t> bytes;
  ParseStatus expect;
};

QuerySpec base() { return QuerySpec{}; }

std::vector<uint8_t> with(void (*edit)(QuerySpec&)) {
  QuerySpec s = base();
  edit(s);
  return buildQuery(s);
}

TEST(QueryParser, StatusTable) {
  std::vector<uint8_t> compressed = buildQuery(base());
  compressed[12] = 0xC0;  // a pointer as the first label
  compressed[13] = 0x0C;
  std::vector<uint8_t> long_label = buildQuery(base());
  long_label[12] = 64;
  std::vector<uint8_t> no_type = buildQuery(base());
  no_type.resize(no_type.size() - 3);
  std::vector<uint8_t> trailing_garbage_rr = with([](QuerySpec& s) { s.edns = true; });
  trailing_garbage_rr.pop_back();  // OPT RDLENGTH says 0 but the record is cut short

  const ParseCase cases[] = {
      {"plain query", buildQuery(base()), ParseStatus::ok},
      {"empty", {}, ParseStatus::drop},
      {"11 bytes", std::vector<uint8_t>(11, 0), ParseStatus::drop},
      {"QR set", with([](QuerySpec& s) { s.flags = 0x8000; }), ParseStatus::drop},
      {"QDCOUNT 0", with([](QuerySpec& s) { s.qdcount_override = 0; }), ParseStatus::formerr},
      {"QDCOUNT 2", with([](QuerySpec& s) { s.qdcount_override = 2; }), ParseStatus::formerr},
      {"compressed question", compressed, ParseStatus::formerr},
      {"label over 63", long_label, ParseStatus::formerr},
      {"no type and class", no_type, ParseStatus::formerr},
      {"cut OPT", trailing_garbage_rr, ParseStatus::formerr},
      {"opcode STATUS", with([](QuerySpec& s) { s.flags = 2 << 11; }), ParseStatus::notimp},
      {"opcode UPDATE", with([](QuerySpec& s) { s.flags = 5 << 11; }), ParseStatus::notimp},
      {"EDNS", with([](QuerySpec& s) { s.edns = true; }), ParseStatus::ok},
      {"EDNS version 1", with([](QuerySpec& s) { s.edns = true; s.edns_version = 1; }), ParseStatus::badvers},
      {"two OPT", with([](QuerySpec& s) { s.edns = true; s.opt_count = 2; }), ParseStatus::formerr},
      {"cookie 8", with([](QuerySpec& s) { s.edns = true; s.options = {{10, std::vector<uint8_t>(8)}}; }),
       ParseStatus::ok},
      {"cookie 24", with([](QuerySpec& s) { s.edns = true; s.options = {{10, std::vector<uint8_t>(24)}}; }),
       ParseStatus::ok},
      {"cookie 12", with([](QuerySpec& s) { s.edns = true; s.options = {{10, std::vector<uint8_t>(12)}}; }),
       ParseStatus::formerr},
      {"ECS v6 /56", with([](QuerySpec& s) {
         s.edns = true;
         s.options = {{8, {0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0}}};
       }),
       ParseStatus::ok},
      {"ECS /0", with([](QuerySpec& s) { s.edns = true; s.options = {{8, {0, 1, 0, 0}}}; }), ParseStatus::ok},
      {"option past RDATA", with([](QuerySpec& s) { s.edns = true; s.options = {{65000, {}}}; }), ParseStatus::ok},
  };
  for (const ParseCase& c : cases) {
    dns::Query q;
    EXPECT_EQ(dns::parseQuery(c.bytes, q), c.expect) << c.what;
  }
}

TEST(QueryParser, FieldsAndLowerCasedName) {
  QuerySpec s;
  s.id = 0xBEEF;
  s.name = "AoVpN.Example.COM.";
  s.qtype = 28;
  s.edns = true;
  s.udp_payload = 1400;
  s.options = {{10, {9, 9, 9, 9, 9, 9, 9, 9}}, {8, {0, 1, 24, 0, 198, 51, 100}}};
  auto bytes = buildQuery(s);
  dns::Query q;
  ASSERT_EQ(dns::parseQuery(bytes, q), ParseStatus::ok);
  EXPECT_EQ(q.id, 0xBEEF);
  EXPECT_EQ(q.qtype, 28);
  EXPECT_EQ(q.qclass, 1);
  EXPECT_EQ(q.label_count, 3);
  auto expect = wireName("aovpn.example.com.");
  EXPECT_EQ(std::string(q.nameView()), std::string(expect.begin(), expect.end()));
  EXPECT_EQ(q.question.size(), expect.size() + 4);
  EXPECT_EQ(q.question[1], 'A');  // the question keeps the case as sent
  EXPECT_TRUE(q.edns.present);
  EXPECT_EQ(q.edns.udp_payload, 1400);
  EXPECT_EQ(q.edns.cookie_length, 8);
  EXPECT_TRUE(q.edns.ecs.present);
  EXPECT_EQ(q.edns.ecs.source_prefix, 24);
  EXPECT_EQ(q.edns.ecs.address[0], 198);
}

TEST(QueryParser, ReusedQueryObjectForgetsTheLastEdns) {
  QuerySpec s;
  s.edns = true;
  s.options = {{10, std::vector<uint8_t>(8, 1)}};
  dns::Query q;
  ASSERT_EQ(dns::parseQuery(buildQuery(s), q), ParseStatus::ok);
  ASSERT_TRUE(q.edns.present);
  ASSERT_EQ(dns::parseQuery(buildQuery(QuerySpec{}), q), ParseStatus::ok);
  EXPECT_FALSE(q.edns.present);
  EXPECT_EQ(q.edns.cookie_length, 0);
}

}  // namespace
}  // namespace gtm::test
