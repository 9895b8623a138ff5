// The balancer's plan from its config: a real server's depends_on resolves
// its monitor (or is refused with the place), and makes it a checked target.
#include "lb/lb_plan.hpp"

#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace gtm::test {
namespace {

constexpr const char* kService = R"(
[[monitor]]
name = "nps"
protocol = "radius"
secret_file = "/etc/hostname"
radius_mode = "status-server"

[[service]]
name = "sstp"
vip = "198.18.0.10"
protocol = "tcp"
ports = [443]
  [[service.real]]
  name = "r1"
  address = "198.18.21.11"
  depends_on = [{ monitor = "MONITOR", targets = ["198.18.1.20", "198.18.1.21"], min_online = 1 }]
)";

std::string service(const std::string& monitor) {
  std::string s = kService;
  s.replace(s.find("MONITOR"), 7, monitor);
  return s;
}

TEST(LbPlan, RealServerDependsOn) {
  auto loaded = config::loadString(service("nps"), "lb.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.format();
  lb::LbPlan plan = lb::compileLbPlan(loaded.config, loaded.diagnostics);
  ASSERT_TRUE(loaded.diagnostics.empty()) << loaded.diagnostics.format();
  const policy::Endpoint& r1 = plan.profiles[0].endpoints[0];
  ASSERT_EQ(r1.depends_on.size(), 1u);
  EXPECT_EQ(r1.depends_on[0].targets.size(), 2u);
  EXPECT_EQ(plan.health->get(r1.health_slot), policy::Health::checking) << "monitored by its dependency alone";

  auto unknown = config::loadString(service("npx"), "lb.toml");
  ASSERT_TRUE(unknown.ok());
  (void)lb::compileLbPlan(unknown.config, unknown.diagnostics);
  EXPECT_NE(unknown.diagnostics.format().find("lb.toml:16:17: depends_on: there is no [[monitor]] named \"npx\""),
            std::string::npos)
      << unknown.diagnostics.format();
}

}  // namespace
}  // namespace gtm::test
