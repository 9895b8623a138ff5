// gtm's command line: help, version, check, and serve refusing bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>

#include "tests/support/gtm_process.hpp"

namespace gtm::test {
namespace {

TEST(Cli, HelpAndVersion) {
  auto help = run(kGtm + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("serve --config FILE"), std::string::npos);
  auto version = run(kGtm + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("gtm " + std::string(GTM_PROJECT_VERSION), 0), 0u) << version.output;
  for (const char* library : {"built with ldns ", ", OpenSSL ", ", Boost ", ", libmaxminddb "})
    EXPECT_NE(version.output.find(library), std::string::npos) << version.output;
  EXPECT_EQ(run(kGtm + " frobnicate").exit_code, 2);
  EXPECT_EQ(run(kGtm + " check").exit_code, 2);
}

TEST(Cli, CheckListsWhatWouldBeServed) {
  auto r = run(kGtm + " check --config " + GTM_SOURCE_DIR + "/conf/example.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("zone vpn.example.com."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("IN\tMX\t10 mail.vpn.example.com."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("profile aovpn: aovpn.vpn.example.com."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("endpoint east priority=1: 127.0.10.10 ::1"), std::string::npos) << r.output;
}

TEST(Cli, CheckAndServeRefuseABadFileWithItsLocation) {
  std::string dir = makeTempDir();
  std::string path = writeFile(dir, "bad.toml",
                               "[dns]\nlisten = [\"127.0.0.1:1\"]\n[[zone]]\norigin = \"z.test.\"\nns = [\"ns.z.test.\"]\n"
                               "soa = { mname = \"ns.z.test.\", rname = \"a.z.test.\" }\nttl = -5\n");
  auto check = run(kGtm + " check --config " + path);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.output.find(path + ":7:7: [[zone]] ttl: -5 is out of range"), std::string::npos) << check.output;
  auto serve = run(kGtm + " serve --config " + path, 5);
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find(path + ":7:7:"), std::string::npos) << serve.output;
}

TEST(Cli, ServeRefusesAnAddressItCannotBind) {
  std::string dir = makeTempDir();
  // 192.0.2.1 is not on this machine: bind fails, nothing is served.
  std::string path = writeFile(dir, "nobind.toml",
                               "[dns]\nlisten = [\"192.0.2.1:5353\"]\n[[zone]]\norigin = \"z.test.\"\n"
                               "ns = [\"ns.other.test.\"]\nsoa = { mname = \"ns.other.test.\", rname = \"a.z.test.\" }\n");
  auto serve = run(kGtm + " serve --config " + path, 5);
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find("cannot listen on 192.0.2.1:5353/udp"), std::string::npos) << serve.output;
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

TEST(Cli, LbSampleChecksAndDryRuns) {
  auto r = run(kGtm + " check --config " + GTM_SOURCE_DIR + "/conf/sample-lb.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("service ikev2: 198.51.100.10 udp ports 500 4500, Maglev table 251 slots"), std::string::npos)
      << r.output;
  auto dry = run(kGtm + " lb --config " + GTM_SOURCE_DIR + "/conf/sample-lb.toml --dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("ip daddr 198.51.100.10 udp dport { 500, 4500 } counter dnat ip to jhash ip saddr mod 251"),
            std::string::npos)
      << dry.output;
  EXPECT_EQ(run(kGtm + " lb --config " + GTM_SOURCE_DIR + "/conf/example.toml --dry-run").exit_code, 1)
      << "a DNS-only file has no service to balance";
}

TEST(Cli, SystemdUnitsVerify) {
  if (!haveCommand("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  std::string dir = makeTempDir();
  for (const char* unit : {"gtm-serve.service", "gtm-lb.service"}) {
    // The units as CMake configured them for installation, pointing at this
    // build's binary and the repository's config.
    auto text = run(std::string("sed -e 's|") + GTM_INSTALL_SBINDIR + "/gtm|" + kGtm + "|g' -e 's|" +
                    GTM_INSTALL_CONFDIR + "/gtm.toml|" + GTM_SOURCE_DIR + "/conf/example.toml|' " + GTM_UNIT_DIR +
                    "/" + unit);
    ASSERT_EQ(text.exit_code, 0);
    std::string path = writeFile(dir, unit, text.output);
    auto r = run("systemd-analyze verify " + path);
    EXPECT_EQ(r.output.find(unit), std::string::npos) << r.output;  // no complaint about the unit itself
    // How exposed the service is (0 safest, 10 least): "OK" or better.
    auto security = run("systemd-analyze security --offline=yes " + path + " 2>&1 | tail -n 1");
    std::printf("%s", security.output.c_str());
    bool ok = security.output.find(" OK") != std::string::npos || security.output.find(" SAFE") != std::string::npos;
    EXPECT_TRUE(ok) << security.output;
  }
}

// gtm(8) names every option --help does (the main help and the probe's),
// and man renders both pages without a warning.
TEST(Cli, ManPagesFollowTheHelp) {
  std::ifstream in(std::string(GTM_SOURCE_DIR) + "/docs/man/gtm.8.md");
  std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t at; (at = page.find("\\-\\-")) != std::string::npos;) page.replace(at, 4, "--");
  std::string help = run(kGtm + " --help").output + run(kGtm + " probe --help").output;
  std::regex option("--[a-z][a-z-]*");
  size_t checked = 0;
  for (auto it = std::sregex_iterator(help.begin(), help.end(), option); it != std::sregex_iterator(); ++it, ++checked)
    EXPECT_NE(page.find("**" + it->str()), std::string::npos) << it->str() << " is in --help, not in gtm(8)";
  EXPECT_GT(checked, 30u);
  if (!haveCommand("man")) GTEST_SKIP() << "man is not installed";
  for (const char* built : {"/man/gtm.8", "/man/gtm.toml.5"}) {
    auto r = run(std::string("MANWIDTH=80 man --warnings -l ") + GTM_BUILD_DIR + built + " 2>&1 >/dev/null");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.output, "") << built;
  }
}

TEST(Cli, DeploymentSampleChecks) {
  auto r = run(kGtm + " check --config " + GTM_SOURCE_DIR + "/conf/sample-site.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("endpoint dr-site priority=3 (disabled)"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gtm::test
