// What `gtm check` refuses in a zone that secondaries transfer, each with
// file:line:column: an unknown key, a secret that is missing, not base64 or
// short, an allow prefix that does not parse, a serial set by hand, and a
// profile whose answer depends on the client (a secondary holds one answer
// for everybody), nested ones included.
#include <gtest/gtest.h>

#include <fstream>

#include "config/config_loader.hpp"
#include "dns/snapshot_builder.hpp"
#include "tests/support/gtm_process.hpp"

namespace gtm::test {
namespace {

std::string errorsOf(const std::string& text) {
  auto loaded = config::loadString(text, "c.toml");
  if (loaded.ok()) {
    dns::SerialClock serials;
    (void)dns::buildSnapshot(loaded.config, loaded.diagnostics, serials);
  }
  return loaded.diagnostics.format();
}

std::string zone(const std::string& transfer, const std::string& soa_extra = "") {
  return R"(
[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com.")" + soa_extra + R"( }
records = [ { name = "ns1", type = "A", data = "192.0.2.53" } ]
transfer = )" + transfer + "\n";
}

const std::string kProfile = R"(
[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
  [[profile.endpoint]]
  name = "east"
  target = "192.0.2.10"
)";

TEST(TransferConfig, RefusesWhatSecondariesCannotHold) {
  std::string dir = makeTempDir();
  std::string good = writeFile(dir, "good.key", "zSjT8L6kA2Zf5PM7KlcUErq/h+qyfT41NDofg2Y+NMQ=\n");
  std::string bad = writeFile(dir, "bad.key", "not base64!\n");
  std::string shortkey = writeFile(dir, "short.key", "c2hvcnQ=\n");
  auto key = [](const std::string& name, const std::string& file) {
    return "[[tsig_key]]\nname = \"" + name + "\"\nsecret_file = \"" + file + "\"\n";
  };
  // Accepted: a key, a priority profile.
  EXPECT_EQ(errorsOf(key("xfr", good) + zone(R"({ allow = ["127.0.0.1/32"], tsig = "xfr" })") + kProfile), "");

  EXPECT_NE(errorsOf(zone(R"({ allow = ["127.0.0.1/32"], tsig = "nokey" })")).find("names no [[tsig_key]]"),
            std::string::npos);
  EXPECT_NE(errorsOf(key("xfr", bad)).find("c.toml:3:15: [[tsig_key]] secret_file: the first line is not base64"),
            std::string::npos)
      << errorsOf(key("xfr", bad));
  EXPECT_NE(errorsOf(key("xfr", shortkey)).find("use at least 16"), std::string::npos);
  EXPECT_NE(errorsOf(key("xfr", dir + "/missing.key")).find("secret_file"), std::string::npos);
  EXPECT_NE(errorsOf(key("x y", good)).find("must be a domain name"), std::string::npos);
  EXPECT_NE(errorsOf(key("xfr", good) + key("xfr", good)).find("defined twice"), std::string::npos);
  EXPECT_NE(errorsOf(zone(R"({ allow = ["300.0.0.1/32"] })")).find("allow"), std::string::npos);
  EXPECT_NE(errorsOf(zone(R"({ allow = [] })")).find("needs at least one prefix"), std::string::npos);
  EXPECT_NE(errorsOf(zone(R"({ tsig = "xfr" })")).find("missing required key 'allow'"), std::string::npos);
  EXPECT_NE(errorsOf(zone(R"({ allow = ["127.0.0.1/32"], notify = ["nowhere"] })")).find("notify"), std::string::npos);
  EXPECT_NE(errorsOf(zone(R"({ allow = ["127.0.0.1/32"] })", ", serial = 7")).find("serial follows its answers"),
            std::string::npos);

  const std::string transferred = zone(R"({ allow = ["127.0.0.1/32"] })");
  std::string subnet = errorsOf(transferred + R"(
[[profile]]
name = "inside"
fqdn = "inside.vpn.example.com."
routing = "subnet"
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.1"
)");
  EXPECT_NE(subnet.find("c.toml:9:1: profile \"inside\" answers by the client (routing = \"subnet\")"),
            std::string::npos)
      << subnet;
  EXPECT_NE(errorsOf(transferred + R"(
[[profile]]
name = "sticky"
fqdn = "sticky.vpn.example.com."
routing = "weighted"
affinity = "subnet"
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.1"
)").find("affinity = \"subnet\""), std::string::npos);
  // A client-dependent profile nested under a transferred one.
  std::string nested = errorsOf(transferred + R"(
[[profile]]
name = "outer"
fqdn = "outer.vpn.example.com."
  [[profile.endpoint]]
  name = "child"
  profile = "inner"
[[profile]]
name = "inner"
fqdn = "inner.other.test."
routing = "subnet"
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.1"
[[zone]]
origin = "other.test."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.other.test." }
)");
  EXPECT_NE(nested.find("profile \"inner\" answers by the client"), std::string::npos) << nested;
}

}  // namespace
}  // namespace gtm::test
