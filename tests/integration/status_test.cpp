// The status server of a running gtm serve: health, the JSON API, metrics
// (checked line by line against the text format), the dashboard page, and
// admin control (token required, takes an endpoint out of DNS at once, kept
// over a restart).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <regex>
#include <sstream>

#include "tests/support/devtools_client.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

std::string config(const std::string& dir, uint16_t sstp_port) {
  return R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1

[status]
listen = "127.0.0.1:{PORT2}"
token_file = ")" + dir + R"(/token"
state_file = ")" + dir + R"(/admin-state.json"

)" + minimalZone() + twoSiteSstpProfile(sstp_port);
}

HttpReply http(uint16_t port, const std::string& method, const std::string& path, const std::string& token = "",
               const std::string& body = "") {
  return httpRequest(port, method, path, token, body);
}

class StatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveCommand("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps.sh test)";
    dir_ = makeTempDir();
    writeFile(dir_, "token", "s3cret-token\n");
    sstp_port_ = freePort();
    east_ = ChildProcess::start({kSstpServer, "--listen", "127.0.10.10:" + std::to_string(sstp_port_)}, "listening");
    west_ = ChildProcess::start({kSstpServer, "--listen", "127.0.20.10:" + std::to_string(sstp_port_)}, "listening");
  }
  std::string dir_;
  uint16_t sstp_port_ = 0;
  std::unique_ptr<ChildProcess> east_, west_;
};

// A config of 2,000 profiles (10,000 endpoints): the status API pages and
// filters, and metrics per profile keep a scrape small.
TEST_F(StatusTest, LargeConfigsPageTheApiAndTrimMetrics) {
  std::string text = "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n" + minimalZone() +
                     "\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\nendpoint_metrics = false\n";
  for (int p = 0; p < 2000; ++p) {
    text += "[[profile]]\nname = \"p" + std::to_string(p) + "\"\nfqdn = \"p" + std::to_string(p) + ".vpn.example.com.\"\n";
    for (int e = 0; e < 5; ++e)
      text += "  [[profile.endpoint]]\n  name = \"e" + std::to_string(e) + "\"\n  target = \"198.18." +
              std::to_string(p % 200) + "." + std::to_string(e + 1) + "\"\n  priority = " + std::to_string(e + 1) + "\n";
  }
  auto gtm = GtmProcess::serve(text);
  auto page = nlohmann::json::parse(http(gtm->port2(), "GET", "/api/v1/status").body);
  EXPECT_EQ(page["total"], 2000);
  EXPECT_EQ(page["profiles"].size(), 1000u);
  auto one = nlohmann::json::parse(http(gtm->port2(), "GET", "/api/v1/status?profile=p1234").body);
  ASSERT_EQ(one["profiles"].size(), 1u);
  EXPECT_EQ(one["profiles"][0]["name"], "p1234");
  EXPECT_EQ(one["profiles"][0]["endpoints"].size(), 5u);
  auto tail = nlohmann::json::parse(http(gtm->port2(), "GET", "/api/v1/status?offset=1990&limit=50").body);
  EXPECT_EQ(tail["profiles"].size(), 10u);
  EXPECT_EQ(tail["profiles"][0]["name"], "p1990");
  EXPECT_EQ(http(gtm->port2(), "GET", "/api/v1/status?limit=0").status, 400);
  EXPECT_EQ(http(gtm->port2(), "GET", "/api/v1/status?color=red").status, 400);
  auto metrics = http(gtm->port2(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body.find("gtm_endpoint_state{"), std::string::npos);
  EXPECT_EQ(metrics.body.find("gtm_answers_total{"), std::string::npos);
  EXPECT_NE(metrics.body.find("gtm_profile_endpoints_up{profile=\"p1999\"} 5"), std::string::npos);
  EXPECT_LT(metrics.body.size(), 300u * 1024) << "bytes per scrape";
  // The page of 2,000 profiles: healthy ones folded away, no timelines for them.
  auto start = std::chrono::steady_clock::now();
  auto page_body = http(gtm->port2(), "GET", "/").body;
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(page_body.find("<details id=\"healthy-profiles\"><summary>2000 more profiles answering as configured"),
            std::string::npos);
  EXPECT_EQ(page_body.find("id=\"timelines\""), std::string::npos);
  std::cout << "page of 2,000 healthy profiles: " << page_body.size() << " bytes in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  std::cout << "status page of 1000 profiles: " << http(gtm->port2(), "GET", "/api/v1/status").body.size()
            << " bytes; metrics: " << metrics.body.size() << " bytes\n";
}

TEST_F(StatusTest, HealthJsonMetricsAndPage) {
  auto gtm = GtmProcess::serve(config(dir_, sstp_port_));
  for (int i = 0; i < 40 && firstAnswer(gtm->port()).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // a probe round
  for (int i = 0; i < 5; ++i) firstAnswer(gtm->port());

  auto health = http(gtm->port2(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");

  auto st = http(gtm->port2(), "GET", "/api/v1/status");
  ASSERT_EQ(st.status, 200);
  auto j = nlohmann::json::parse(st.body);
  ASSERT_EQ(j["profiles"].size(), 1u);
  const auto& p = j["profiles"][0];
  EXPECT_EQ(p["name"], "aovpn");
  EXPECT_EQ(p["routing"], "priority");
  EXPECT_EQ(p["answer"], nlohmann::json::array({"127.0.10.10"}));
  EXPECT_EQ(p["endpoints"][0]["state"], "Online") << st.body;
  EXPECT_EQ(p["endpoints"][0]["checks"][0]["reason"], "HTTP 401");
  EXPECT_EQ(p["endpoints"][0]["checks"][0]["tls_version"], "TLSv1.3");
  EXPECT_FALSE(j["events"].empty());

  auto m = http(gtm->port2(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  // Every line: a comment, or name{labels} value.
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eEInf]+$)");
  std::istringstream lines(m.body);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 20);
  std::smatch found;
  ASSERT_TRUE(std::regex_search(m.body, found, std::regex(R"(gtm_dns_queries_total\{type="A"\} (\d+))"))) << m.body;
  EXPECT_GE(std::stoi(found[1]), 5);
  EXPECT_NE(m.body.find("gtm_endpoint_up{profile=\"aovpn\",endpoint=\"east\"} 1"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("gtm_probe_duration_seconds_bucket{monitor=\"sstp\",le=\"+Inf\"}"), std::string::npos);
  EXPECT_NE(m.body.find("gtm_reloads_total{result=\"ok\"} 0"), std::string::npos);
  EXPECT_NE(m.body.find("gtm_build_info{version=\"" + std::string(GTM_PROJECT_VERSION) + "\",git=\""),
            std::string::npos);
  ASSERT_TRUE(std::regex_search(m.body, found, std::regex(R"(gtm_dns_zone_queries_total\{zone="vpn\.example\.com\."\} (\d+))")))
      << m.body;
  EXPECT_GE(std::stoi(found[1]), 5);
  ASSERT_TRUE(std::regex_search(m.body, found, std::regex(R"(gtm_answers_total\{profile="aovpn",endpoint="east"\} (\d+))")))
      << m.body;
  EXPECT_GE(std::stoi(found[1]), 5);

  auto page = http(gtm->port2(), "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<title>gtm status</title>"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << "nothing loaded from elsewhere";
  EXPECT_EQ(http(gtm->port2(), "GET", "/nope").status, 404);
}

TEST_F(StatusTest, ControlNeedsTheTokenAndSurvivesARestart) {
  std::string cfg = config(dir_, sstp_port_);
  {
    auto gtm = GtmProcess::serve(cfg);
    for (int i = 0; i < 40 && firstAnswer(gtm->port()) != "127.0.10.10"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(firstAnswer(gtm->port()), "127.0.10.10");
    uint16_t sp = gtm->port2();
    EXPECT_EQ(http(sp, "POST", "/api/v1/endpoints/aovpn/east/disable").status, 401);
    EXPECT_EQ(http(sp, "POST", "/api/v1/endpoints/aovpn/east/disable", "wrong-token").status, 401);
    EXPECT_EQ(http(sp, "POST", "/api/v1/endpoints/aovpn/nope/disable", "s3cret-token").status, 404);
    EXPECT_EQ(http(sp, "POST", "/api/v1/endpoints/aovpn/east/explode", "s3cret-token").status, 404);
    EXPECT_EQ(firstAnswer(gtm->port()), "127.0.10.10") << "refused calls change nothing";
    auto ok = http(sp, "POST", "/api/v1/endpoints/aovpn/east/disable", "s3cret-token");
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(firstAnswer(gtm->port()), "127.0.20.10") << "disabled: out of the answers at once";
    EXPECT_NE(gtm->log().find("msg=\"admin action\" endpoint=aovpn/east action=disable"), std::string::npos);
  }
  // A new process with the same state file: still disabled.
  auto again = GtmProcess::serve(cfg);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(firstAnswer(again->port()), "127.0.20.10");
  auto st = nlohmann::json::parse(http(again->port2(), "GET", "/api/v1/status").body);
  EXPECT_EQ(st["profiles"][0]["endpoints"][0]["state"], "Disabled");
  EXPECT_EQ(http(again->port2(), "POST", "/api/v1/endpoints/aovpn/east/enable", "s3cret-token").status, 200);
  EXPECT_EQ(firstAnswer(again->port()), "127.0.10.10");
}

TEST_F(StatusTest, CliMirrorsTheApi) {
  auto gtm = GtmProcess::serve(config(dir_, sstp_port_));
  for (int i = 0; i < 40 && firstAnswer(gtm->port()) != "127.0.10.10"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string gtm_bin = GTM_BINARY, cfg = " --config " + gtm->configPath();
  auto off = run(gtm_bin + " endpoint drain aovpn/east" + cfg);
  EXPECT_EQ(off.exit_code, 0) << off.output;
  EXPECT_NE(off.output.find("aovpn/east: drained (for DNS answers drain is disable"), std::string::npos) << off.output;
  EXPECT_EQ(firstAnswer(gtm->port()), "127.0.20.10");
  auto st = run(gtm_bin + " status" + cfg);
  EXPECT_EQ(st.exit_code, 0) << st.output;
  EXPECT_NE(st.output.find("aovpn (aovpn.vpn.example.com., priority) answers 127.0.20.10"), std::string::npos)
      << st.output;
  EXPECT_NE(st.output.find("  east  Disabled"), std::string::npos) << st.output;
  EXPECT_EQ(run(gtm_bin + " endpoint enable aovpn/nope" + cfg).exit_code, 1);
  EXPECT_EQ(run(gtm_bin + " endpoint enable aovpn/east" + cfg).exit_code, 0);
  EXPECT_EQ(firstAnswer(gtm->port()), "127.0.10.10");
}

// Headless Chromium on the dashboard while the first site goes down: the
// page, loaded once, shows east Degraded a moment later (it polls the API);
// a screenshot is kept as a test artifact.
TEST_F(StatusTest, BrowserSeesTheEndpointGoDownWithoutReload) {
  if (!haveCommand("chromium")) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh test)";
  auto gtm = GtmProcess::serve(config(dir_, sstp_port_));
  for (int i = 0; i < 40 && firstAnswer(gtm->port()) != "127.0.10.10"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto page = DevTools::open("http://127.0.0.1:" + std::to_string(gtm->port2()) + "/", dir_ + "/chromium");
  const std::string state_of_east =
      "(document.querySelector('tr[data-endpoint=\"aovpn/east\"] td[data-state]') || {dataset: {}}).dataset.state || ''";
  std::string state;
  for (int i = 0; i < 50 && (state = page->evaluate(state_of_east)) != "\"Online\""; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(state, "\"Online\"");
  east_->stop();
  for (int i = 0; i < 80 && (state = page->evaluate(state_of_east)) != "\"Degraded\""; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(state, "\"Degraded\"") << "the page never showed east Degraded";
  EXPECT_EQ(page->evaluate("performance.getEntriesByType('navigation').length"), "1") << "loaded once, never reloaded";
  std::string artifacts = GTM_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  EXPECT_TRUE(page->screenshot(artifacts + "/dashboard-east-degraded.png"));
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

// [status] follows a reload: a rotated token takes over at once (the old
// one stops working), a removed token_file turns control off, and what
// needs a restart (listen) refuses the reload and says so.
TEST_F(StatusTest, ReloadRotatesTheTokenAndRefusesWhatNeedsARestart) {
  auto gtm = GtmProcess::serve(config(dir_, sstp_port_));
  const std::string path = "/api/v1/endpoints/aovpn/east/enable";
  EXPECT_EQ(http(gtm->port2(), "POST", path, "s3cret-token").status, 200);
  auto reloadWith = [&](const std::string& text) {
    std::string body = text;
    body.replace(body.find("{PORT}"), 6, std::to_string(gtm->port()));
    if (body.find("{PORT2}") != std::string::npos) body.replace(body.find("{PORT2}"), 7, std::to_string(gtm->port2()));
    size_t reloads = 0;
    for (size_t at = 0; (at = gtm->log().find("reload", at)) != std::string::npos; ++at) ++reloads;
    writeFile(dir_, "next.toml", body);
    ASSERT_EQ(run("cp " + dir_ + "/next.toml " + gtm->configPath() + " && kill -HUP " + std::to_string(gtm->pid())).exit_code, 0);
    for (int i = 0; i < 50; ++i) {
      size_t now = 0;
      for (size_t at = 0; (at = gtm->log().find("reload", at)) != std::string::npos; ++at) ++now;
      if (now > reloads) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  // The token file rotated, then SIGHUP.
  writeFile(dir_, "token", "new-token\n");
  reloadWith(config(dir_, sstp_port_));
  EXPECT_EQ(http(gtm->port2(), "POST", path, "s3cret-token").status, 401) << gtm->log();
  EXPECT_EQ(http(gtm->port2(), "POST", path, "new-token").status, 200) << gtm->log();
  // token_file removed from the config: control is off.
  std::string off = config(dir_, sstp_port_);
  off.erase(off.find("token_file"), off.find('\n', off.find("token_file")) - off.find("token_file") + 1);
  reloadWith(off);
  EXPECT_EQ(http(gtm->port2(), "POST", path, "new-token").status, 403) << gtm->log();
  // A new listen address needs a restart: the reload is refused, and says so.
  std::string moved = config(dir_, sstp_port_);
  moved.replace(moved.find("{PORT2}"), 7, std::to_string(freePort()));
  reloadWith(moved);
  EXPECT_NE(gtm->log().find("[status] listen changed: that needs a restart"), std::string::npos) << gtm->log();
  EXPECT_EQ(http(gtm->port2(), "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace gtm::test
