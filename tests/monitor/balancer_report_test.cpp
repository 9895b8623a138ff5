// What the gtm-lb monitor makes of a gtm lb status document: counts per
// service, the reasons it carries, VIP matching, Full, and documents that
// are not a balancer's.
#include "monitor/balancer_report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/utf8.hpp"

namespace gtm::test {
namespace {

using monitor::judgeBalancer;
using nlohmann::json;

json real(const std::string& name, const std::string& state, const std::string& check_reason = "") {
  json r{{"name", name}, {"address", "198.18.21.11"}, {"state", state}, {"slots", 0}, {"checks", json::array()}};
  if (!check_reason.empty())
    r["checks"].push_back({{"monitor", "ikev2"}, {"state", state}, {"agreed", state}, {"reason", check_reason}});
  return r;
}

// As gtm lb's /api/v1/status shows them: two services on one VIP.
json status(json ikev2_reals, json sstp_reals) {
  return {{"time", "2026-11-30T00:00:00Z"},
          {"services",
           {{{"name", "ikev2"}, {"vip", "198.18.0.10"}, {"reals", std::move(ikev2_reals)}},
            {{"name", "sstp"}, {"vip", "198.18.0.10"}, {"reals", std::move(sstp_reals)}},
            {{"name", "other"}, {"vip", "198.18.0.11"}, {"reals", json::array()}}}}};
}

const IpAddress kVip = *IpAddress::parse("198.18.0.10");

TEST(BalancerReport, CountsEachServiceOfTheVip) {
  auto doc = status({real("r1", "Online"), real("r2", "Degraded", "no answer after 0.3 s"), real("r3", "Disabled")},
                    {real("r1", "Online"), real("r2", "CheckingEndpoint"), real("r3", "Unmonitored")});
  auto v = judgeBalancer(doc.dump(), {}, kVip, 1);
  EXPECT_TRUE(v.up);
  EXPECT_FALSE(v.full);
  EXPECT_EQ(v.reason,
            "ikev2: 1 of 3 reals online: r2 Degraded (ikev2: no answer after 0.3 s), r3 disabled by admin; "
            "sstp: 3 of 3 reals online");
  auto two = judgeBalancer(doc.dump(), {}, kVip, 2);
  EXPECT_FALSE(two.up);
  EXPECT_EQ(two.reason,
            "ikev2: 1 of 3 reals online, 2 needed: r2 Degraded (ikev2: no answer after 0.3 s), r3 disabled by "
            "admin; sstp: 3 of 3 reals online");
}

TEST(BalancerReport, NamedServicesOnly) {
  auto doc = status({real("r1", "Degraded", "timeout"), real("r2", "Drained")}, {real("r1", "Online")});
  auto sstp = judgeBalancer(doc.dump(), {"sstp"}, kVip, 1);
  EXPECT_TRUE(sstp.up);
  EXPECT_EQ(sstp.reason, "sstp: 1 of 1 reals online");
  auto both = judgeBalancer(doc.dump(), {"sstp", "ikev2"}, kVip, 1);
  EXPECT_FALSE(both.up);
  EXPECT_EQ(both.reason, "ikev2: 0 of 2 reals online: r1 Degraded (ikev2: timeout), r2 drained; sstp: 1 of 1 reals online");
  auto missing = judgeBalancer(doc.dump(), {"l2tp"}, kVip, 1);
  EXPECT_FALSE(missing.up);
  EXPECT_EQ(missing.reason, "the balancer has no service \"l2tp\"");
}

TEST(BalancerReport, AServiceWithoutRealsIsDown) {
  auto v = judgeBalancer(status(json::array(), json::array()).dump(), {"other"}, kVip, 1);
  EXPECT_FALSE(v.up);
  EXPECT_EQ(v.reason, "other: 0 of 0 reals online");
}

TEST(BalancerReport, NoServiceOnTheVip) {
  auto v = judgeBalancer(status(json::array(), json::array()).dump(), {}, *IpAddress::parse("198.18.0.99"), 1);
  EXPECT_FALSE(v.up);
  EXPECT_EQ(v.reason, "the balancer has no service with VIP 198.18.0.99 (name it with service = \"...\")");
}

TEST(BalancerReport, FullWhenOnlyFullRealsAreMissing) {
  auto doc = status({real("r1", "Full"), real("r2", "Degraded", "timeout")}, {real("r1", "Online")});
  auto v = judgeBalancer(doc.dump(), {"ikev2"}, kVip, 1);
  EXPECT_TRUE(v.up);
  EXPECT_TRUE(v.full);
  EXPECT_EQ(v.reason, "ikev2: 0 of 2 reals online: r1 full, r2 Degraded (ikev2: timeout) (full: no free ports)");
  auto degraded = judgeBalancer(status({real("r2", "Degraded")}, json::array()).dump(), {"ikev2"}, kVip, 1);
  EXPECT_FALSE(degraded.full);
  EXPECT_FALSE(degraded.up);
}

TEST(BalancerReport, LongListsAreCounted) {
  json reals = json::array();
  for (int i = 0; i < 12; ++i) reals.push_back(real("r" + std::to_string(i), "Drained"));
  auto v = judgeBalancer(status(reals, json::array()).dump(), {"ikev2"}, kVip, 1);
  EXPECT_FALSE(v.up);
  EXPECT_NE(v.reason.find("r7 drained and 4 more"), std::string::npos) << v.reason;
}

TEST(BalancerReport, NotABalancersDocument) {
  for (const char* text : {"", "[]", "{\"profiles\": []}", "{\"services\": 3}", "<html>", "{\"services\": [1, \"x\"]}"}) {
    auto v = judgeBalancer(text, {}, kVip, 1);
    EXPECT_FALSE(v.up) << text;
    EXPECT_FALSE(v.reason.empty());
  }
  EXPECT_EQ(judgeBalancer("<html>", {}, kVip, 1).reason, "not a gtm lb status document (no services list)");
  // Wrong types inside a service are read as absent, never thrown.
  auto odd = judgeBalancer(R"({"services":[{"name":"ikev2","vip":"198.18.0.10","reals":[{"name":1,"state":[]}]}]})",
                           {}, kVip, 1);
  EXPECT_FALSE(odd.up);
  EXPECT_EQ(odd.reason, "ikev2: 0 of 1 reals online: ? in no known state");
}

// A hostile or broken page costs a bounded effort and leaves a bounded,
// valid UTF-8 reason.
TEST(BalancerReport, HostilePagesAreBounded) {
  std::string deep(100000, '[');
  auto nested = judgeBalancer("{\"services\":" + deep, {}, kVip, 1);
  EXPECT_FALSE(nested.up);
  EXPECT_EQ(nested.reason, "not a gtm lb status document (nested deeper than 16 levels)");
  // Brackets inside strings are not nesting.
  auto quoted = judgeBalancer(R"({"services":[{"name":"[[[[[[[[[[[[[[[[[[[[","vip":"198.18.0.10","reals":[]}]})", {}, kVip, 1);
  EXPECT_EQ(quoted.reason.find("nested"), std::string::npos) << quoted.reason;

  json many = json::array();
  for (int i = 0; i < 25000; ++i) many.push_back({{"name", "s" + std::to_string(i)}, {"vip", "198.18.0.10"}});
  auto crowd = judgeBalancer(json{{"services", many}}.dump(), {}, kVip, 1);
  EXPECT_FALSE(crowd.up);
  EXPECT_EQ(crowd.reason, "not a gtm lb status document (25000 services; at most 1024 are read)");

  // A 2 MB name, and names that are not UTF-8, in a service and a real.
  json reals = json::array({real(std::string(2'000'000, 'n'), "Degraded", std::string(3000, 'r')),
                            real("r\xff\xfe", "Degraded", "x\xc3")});
  std::string page = status(reals, json::array()).dump(-1, ' ', false, json::error_handler_t::ignore);
  auto huge = judgeBalancer(page, {}, kVip, 1);
  EXPECT_FALSE(huge.up);
  EXPECT_LE(huge.reason.size(), 512u);
  EXPECT_TRUE(validUtf8(huge.reason)) << huge.reason;
  json shown;
  shown["reason"] = huge.reason;
  EXPECT_NO_THROW((void)shown.dump());
}

}  // namespace
}  // namespace gtm::test
