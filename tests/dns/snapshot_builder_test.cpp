// What the compiler refuses, each with the line and column of the cause.
#include "dns/snapshot_builder.hpp"
#include "dns/wire.hpp"

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

constexpr const char* kZoneHead = R"([[zone]]
origin = "z.test."
ns = ["ns1.z.test."]
soa = { mname = "ns1.z.test.", rname = "admin.z.test." }
)";

// Compiles text; returns every error message, or "" when it compiles.
std::string compile(const std::string& text) {
  auto loaded = config::loadString(text, "t.toml");
  if (!loaded.ok()) return loaded.diagnostics.format();
  dns::SerialClock serials;
  auto snap = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  return snap ? "" : loaded.diagnostics.format();
}

TEST(SnapshotBuilder, TestConfigCompiles) { EXPECT_EQ(compile(testConfig()), ""); }

TEST(SnapshotBuilder, Refusals) {
  struct Case {
    std::string text;
    std::string expect;  // a part of the message, with its location
  } cases[] = {
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"x\", type = \"A\", data = \"not-an-ip\" } ]\n",
       "t.toml:6:3: invalid A data \"not-an-ip\""},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"w\", type = \"CNAME\", data = \"x\" }, { name = \"w\", type = \"TXT\", data = \"t\" } ]\n",
       "t.toml:6:47: a CNAME cannot share its name"},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"x.other.test.\", type = \"A\", data = \"192.0.2.1\" } ]\n",
       "t.toml:6:3: record name x.other.test. is outside the zone z.test."},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"x\", type = \"BOGUS\", data = \"1\" } ]\n",
       "t.toml:6:3: unknown record type \"BOGUS\""},
      // Found by the config_loader fuzzer: ldns reads a leading '@' as the origin.
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"@x\", type = \"A\", data = \"192.0.2.1\" } ]\n",
       "t.toml:6:3: the name @x.z.test. does not survive as the owner of a A record"},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"sub\", type = \"NS\", data = \"ns.elsewhere.\" } ]\n",
       "delegations (NS below the apex) are not supported"},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"x\", type = \"A\", data = \"192.0.2.1\", ttl = 5 },\n"
                                "  { name = \"x\", type = \"A\", data = \"192.0.2.2\", ttl = 6 } ]\n",
       "t.toml:7:3: records of one name and type must share one TTL"},
      {kZoneHead, "t.toml:3:6: in-zone name server ns1.z.test. has no A or AAAA record"},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n"
                                "[[profile]]\nname = \"p\"\nfqdn = \"vpn.elsewhere.test.\"\n"
                                "[[profile.endpoint]]\nname = \"a\"\ntarget = \"192.0.2.10\"\n",
       "t.toml:8:8: [[profile]] fqdn vpn.elsewhere.test. lies in no [[zone]]"},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n"
                                "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\n"
                                "[[profile.endpoint]]\nname = \"a\"\ntarget = \"192.0.2.10\"\npriority = 1\n"
                                "[[profile.endpoint]]\nname = \"b\"\ntarget = \"192.0.2.11\"\npriority = 1\n",
       "t.toml:13:1: priority 1 is already taken by endpoint \"a\""},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"vpn\", type = \"A\", data = \"192.0.2.9\" } ]\n"
                                "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\n"
                                "[[profile.endpoint]]\nname = \"a\"\ntarget = \"192.0.2.10\"\n",
       "also has static A, AAAA or CNAME records"},
      // Wildcards are not served: refused rather than answered literally.
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                "  { name = \"*.w\", type = \"A\", data = \"192.0.2.1\" } ]\n",
       "t.toml:6:3: record name *.w.z.test.: wildcards (a \"*\" label) are not supported"},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n"
                                "[[profile]]\nname = \"p\"\nfqdn = \"*.z.test.\"\n"
                                "[[profile.endpoint]]\nname = \"a\"\ntarget = \"192.0.2.10\"\n",
       "t.toml:8:8: [[profile]] fqdn *.z.test.: wildcards"},
      // Duplicate addresses in one answer (RFC 2181 5).
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n"
                                "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\n"
                                "[[profile.endpoint]]\nname = \"a\"\ntarget = [\"192.0.2.10\", \"192.0.2.10\"]\n",
       "t.toml:9:1: address 192.0.2.10 is listed twice in endpoint \"a\""},
      {std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n"
                                "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\nrouting = \"multivalue\"\n"
                                "[[profile.endpoint]]\nname = \"a\"\ntarget = \"192.0.2.10\"\n"
                                "[[profile.endpoint]]\nname = \"b\"\ntarget = \"192.0.2.10\"\n",
       "t.toml:13:1: address 192.0.2.10 is already endpoint \"a\"'s: a multivalue answer would carry it twice"},
  };
  for (const Case& c : cases) {
    std::string errors = compile(c.text);
    EXPECT_NE(errors.find(c.expect), std::string::npos) << "expected: " << c.expect << "\ngot: " << errors;
  }
}

TEST(SnapshotBuilder, GeographicRefusals) {
  const std::string head = std::string(kZoneHead) +
                           "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n"
                           "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\nrouting = \"geographic\"\n";
  auto endpoint = [](const std::string& name, const std::string& extra) {
    return "[[profile.endpoint]]\nname = \"" + name + "\"\ntarget = \"192.0.2.10\"\n" + extra;
  };
  struct Case {
    std::string text, expect;
  } cases[] = {
      {head + endpoint("a", "regions = [\"EU\"]\n"),
       "t.toml:6:1: profile \"p\": routing = \"geographic\" needs [geoip] database = \"FILE.mmdb\""},
      {"[geoip]\ndatabase = \"/nonexistent.mmdb\"\n" + head + endpoint("a", "regions = [\"EU\"]\n"),
       "t.toml:2:12: [geoip] database: cannot read \"/nonexistent.mmdb\""},
      {"[geoip]\ndatabase = \"/etc/hostname\"\n" + head + endpoint("a", "regions = [\"EU\"]\n"),
       "is not a MaxMind DB file libmaxminddb can read"},
      {"[geoip]\ndatabase = \"/tmp\"\n" + head + endpoint("a", ""), "[geoip] database: \"/tmp\" is not a regular file"},
      {head + endpoint("a", "regions = [\"EU\", \"DE\"]\n") + endpoint("b", "regions = [\"de\", \"DE\"]\n"),
       "t.toml:17:11: regions: \"de\" is not a continent (AF, AN, AS, EU, NA, OC, SA), an ISO 3166-1 country "
       "(\"DE\"), a subdivision (\"US-CA\") or WORLD"},
      {head + endpoint("a", "regions = [\"EU\", \"DE\"]\n") + endpoint("b", "regions = [\"de\", \"DE\"]\n"),
       "t.toml:17:11: region DE is already mapped to endpoint \"a\""},
      {head + endpoint("a", "fallback = true\n") + endpoint("b", "fallback = true\n"),
       "t.toml:14:1: endpoint \"a\" is already the fallback of profile \"p\""},
      {std::string(kZoneHead) + "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\n" +
           endpoint("a", "regions = [\"EU\"]\nfallback = true\n"),
       "regions apply only to routing = \"geographic\""},
      {std::string(kZoneHead) + "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\n" +
           endpoint("a", "regions = [\"EU\"]\nfallback = true\n"),
       "fallback applies only to routing = \"geographic\""},
  };
  for (const Case& c : cases) {
    std::string errors = compile(c.text);
    EXPECT_NE(errors.find(c.expect), std::string::npos) << "expected: " << c.expect << "\ngot: " << errors;
  }
}

TEST(SnapshotBuilder, PerformanceRefusals) {
  const std::string head = std::string(kZoneHead) +
                           "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n"
                           "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\nrouting = \"performance\"\n";
  auto endpoint = [](const std::string& name, const std::string& extra) {
    return "[[profile.endpoint]]\nname = \"" + name + "\"\ntarget = \"192.0.2.10\"\n" + extra;
  };
  struct Case {
    std::string text, expect;
  } cases[] = {
      {head + endpoint("a", "location = { lat = 52.37, lon = 4.90 }\n"),
       "t.toml:6:1: profile \"p\": routing = \"performance\" needs [geoip] database = \"FILE.mmdb\""},
      {head + endpoint("a", ""), "endpoint \"a\": routing = \"performance\" needs location = { lat = ..., lon = ... }"},
      {head + endpoint("a", "location = { lat = 91, lon = 4.90 }\n"), "location lat: 91 is out of range (-90 to 90)"},
      {head + endpoint("a", "location = { lat = 52.37 }\n"), "lon"},
      {head + endpoint("a", "location = { lat = 52.37, lon = 4.90, alt = 3 }\n"), "alt"},
      {std::string(kZoneHead) + "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\n" +
           endpoint("a", "location = { lat = 52.37, lon = 4.90 }\n"),
       "location applies only to routing = \"performance\""},
  };
  for (const Case& c : cases) {
    std::string errors = compile(c.text);
    EXPECT_NE(errors.find(c.expect), std::string::npos) << "expected: " << c.expect << "\ngot: " << errors;
  }
}

TEST(SnapshotBuilder, WeightFromRefusals) {
  const std::string zone = std::string(kZoneHead) + "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n";
  const std::string lb = "[[monitor]]\nname = \"lb\"\nprotocol = \"gtm-lb\"\nurl = \"http://192.0.2.5:9100/api/v1/status\"\n"
                         "[[monitor]]\nname = \"tcp\"\nprotocol = \"tcp\"\nport = 443\n";
  auto profile = [&](const std::string& settings, const std::string& endpoint_extra) {
    return zone + lb + "[[profile]]\nname = \"p\"\nfqdn = \"vpn.z.test.\"\n" + settings +
           "[[profile.endpoint]]\nname = \"a\"\ntarget = \"192.0.2.10\"\n" + endpoint_extra;
  };
  struct Case {
    std::string text, expect;
  } cases[] = {
      {profile("weight_from = \"gtm-lb\"\nmonitors = [\"lb\"]\n", ""), "applies only to routing = \"weighted\""},
      {profile("routing = \"weighted\"\nweight_from = \"gtm-lb\"\nmonitors = [\"tcp\"]\n", ""),
       "profile \"p\": weight_from needs a gtm-lb monitor in monitors"},
      {profile("routing = \"weighted\"\nweight_from = \"reals\"\nmonitors = [\"lb\"]\n", ""),
       "endpoint \"a\": weight_from = \"reals\" needs capacity"},
      {profile("routing = \"weighted\"\nweight_from = \"gtm-lb\"\nmonitors = [\"lb\"]\n", "capacity = 3\n"),
       "capacity applies only to weight_from = \"reals\""},
      {profile("routing = \"weighted\"\nweight_from = \"lb\"\nmonitors = [\"lb\"]\n", ""), "weight_from"},
  };
  for (const Case& c : cases) {
    std::string errors = compile(c.text);
    EXPECT_NE(errors.find(c.expect), std::string::npos) << "expected: " << c.expect << "\ngot: " << errors;
  }
  EXPECT_EQ(compile(profile("routing = \"weighted\"\nweight_from = \"reals\"\nmonitors = [\"lb\"]\n", "capacity = 3\n")), "");
}

TEST(SnapshotBuilder, WhatNoAnswerCouldCarryIsRefused) {
  std::string ns1 = "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n";
  // A 100 KB TXT: more than a DNS message holds.
  std::string big;
  for (int i = 0; i < 400; ++i) big += "\\\"" + std::string(250, 'a') + "\\\" ";
  std::string txt = std::string(kZoneHead) + ns1 + "  { name = \"big\", type = \"TXT\", data = \"" + big + "\" } ]\n";
  EXPECT_NE(compile(txt).find("t.toml:6:3: the TXT data is longer than one record holds"), std::string::npos)
      << compile(txt).substr(0, 300);
  // 300 TXT records of 250 bytes: each fits, the set does not.
  std::string many = std::string(kZoneHead) + ns1;
  for (int i = 0; i < 300; ++i)
    many += "  { name = \"many\", type = \"TXT\", data = \"" + std::to_string(i) + std::string(250, 'b') + "\" },\n";
  many += "]\n";
  EXPECT_NE(compile(many).find("t.toml:6:3: the records of many.z.test. take"), std::string::npos)
      << compile(many).substr(0, 300);
  EXPECT_NE(compile(many).find("more than a DNS message holds"), std::string::npos);
  // self -> self, and l1 -> l2 -> l1.
  std::string self = std::string(kZoneHead) + ns1 + "  { name = \"self\", type = \"CNAME\", data = \"self\" } ]\n";
  EXPECT_NE(compile(self).find("t.toml:6:3: CNAME self.z.test. loops back to self.z.test."), std::string::npos)
      << compile(self);
  std::string pair = std::string(kZoneHead) + ns1 + "  { name = \"l1\", type = \"CNAME\", data = \"l2\" },\n" +
                     "  { name = \"l2\", type = \"CNAME\", data = \"l1\" } ]\n";
  EXPECT_NE(compile(pair).find("CNAME l1.z.test. loops back to l1.z.test."), std::string::npos) << compile(pair);
  // Nine in a row: past what an answer follows. Eight: served whole.
  auto chain = [&](int n) {
    std::string text = std::string(kZoneHead) + ns1;
    for (int i = 0; i < n; ++i)
      text += "  { name = \"c" + std::to_string(i) + "\", type = \"CNAME\", data = \"c" + std::to_string(i + 1) + "\" },\n";
    return text + "  { name = \"c" + std::to_string(n) + "\", type = \"A\", data = \"192.0.2.9\" } ]\n";
  };
  EXPECT_NE(compile(chain(9)).find("CNAME chain from c0.z.test. is longer than 8 links"), std::string::npos)
      << compile(chain(9));
  EXPECT_EQ(compile(chain(8)), "");
}

TEST(SnapshotBuilder, SerialGrowsWithEveryLoad) {
  auto loaded = config::loadString(std::string(kZoneHead) +
                                       "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" } ]\n",
                                   "t.toml");
  ASSERT_TRUE(loaded.ok());
  dns::SerialClock serials;
  auto a = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  auto b = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  ASSERT_TRUE(a && b);
  EXPECT_GT(b->zones[0].serial, a->zones[0].serial);
  EXPECT_GE(a->zones[0].serial, 1700000000u);  // seconds since the epoch
  EXPECT_EQ(b->serial, b->zones[0].serial);

  // A serial adopted from the cluster: that load gets exactly it, and the
  // clock's later loads get more.
  auto fixed = dns::SerialClock::fixed(a->serial - 100);
  auto c = dns::buildSnapshot(loaded.config, loaded.diagnostics, fixed);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->zones[0].serial, a->serial - 100);
  serials.follow(b->serial + 50);
  auto d = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  EXPECT_EQ(d->zones[0].serial, b->serial + 51);
}

TEST(SnapshotBuilder, UnquotedTxtIsOneText) {
  auto loaded = config::loadString(std::string(kZoneHead) +
                                       "records = [ { name = \"ns1\", type = \"A\", data = \"192.0.2.1\" },\n"
                                       "  { name = \"t\", type = \"TXT\", data = \"v=spf1 include:x -all\" } ]\n",
                                   "t.toml");
  dns::SerialClock serials;
  auto snap = dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  ASSERT_TRUE(snap) << loaded.diagnostics.format();
  // t.z.test. in wire form; the literal's closing NUL is the root label.
  const dns::Node* node = snap->zones[0].find(std::string("\x01t\x01z\x04test", 10));
  ASSERT_TRUE(node);
  const dns::RRSet* txt = node->find(dns::type::TXT);
  ASSERT_TRUE(txt);
  // TYPE CLASS TTL RDLEN, then one length-prefixed string.
  EXPECT_EQ(txt->records[0].substr(10), std::string("\x15v=spf1 include:x -all"));
}

}  // namespace
}  // namespace gtm::test
