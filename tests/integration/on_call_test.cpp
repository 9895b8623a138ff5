// The admin on call's view of a running gtm serve (issue 26): the event
// journal through a real scenario (a site's stand-in killed, a drain with a
// reason, a reload refused, a restart that reads the history back), named
// tokens and their roles, the event stream, a journal whose file takes
// nothing, and the page in headless Chromium in each state.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/devtools_client.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/etcd.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

const std::string kAlice = "alice-operator-token-0123";
const std::string kBob = "bob-viewer-token-456789";

HttpReply http(uint16_t port, const std::string& method, const std::string& path, const std::string& token = "",
               const std::string& body = "") {
  return httpRequest(port, method, path, token, body);
}

// A TCP client of the status server from a chosen loopback address.
class RawClient {
 public:
  RawClient(uint16_t port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{}, to{};
    from.sin_family = to.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
          ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool ok() const { return ok_; }
  void send(const std::string& s) { (void)::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // Reads until `want` shows up, the peer closes, or timeout; what came.
  std::string readUntil(const std::string& want, int timeout_ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (received_.find(want) == std::string::npos) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) break;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool ok_ = false, closed_ = false;
  std::string received_;
};

std::string streamRequest(uint16_t port, const std::string& token, const std::string& query = "") {
  return "GET /api/v1/events?follow=1" + query + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nAuthorization: Bearer " + token + "\r\n\r\n";
}

long rssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// The config a running gtm was started with.
std::string cfg_text(const GtmProcess& gtm) {
  std::ifstream in(gtm.configPath());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class OnCall : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveCommand("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps.sh test)";
    dir_ = makeTempDir();
    writeFile(dir_, "alice.token", kAlice + "\n");
    writeFile(dir_, "bob.token", kBob + "\n");
    makeStateDir();
    sstp_port_ = freePort();
    east_ = startSite("127.0.10.10");
    west_ = startSite("127.0.20.10");
  }
  std::unique_ptr<ChildProcess> startSite(const std::string& address) {
    return ChildProcess::start({SSTP_TEST_SERVER, "--listen", address + ":" + std::to_string(sstp_port_)}, "listening");
  }
  // Reading needs a token; alice operates, bob views. Events beside the state file.
  std::string config(const std::string& read = "token", const std::string& extra = "") const {
    return "[dns]\nlisten = [\"127.0.0.1:{PORT}\"]\nthreads = 1\n\n[status]\nlisten = \"127.0.0.1:{PORT2}\"\n"
           "state_file = \"" + dir_ + "/state/admin.json\"\nread = \"" + read + "\"\n" + extra +
           "  [[status.token]]\n  name = \"alice\"\n  file = \"" + dir_ + "/alice.token\"\n  role = \"operator\"\n"
           "  [[status.token]]\n  name = \"bob\"\n  file = \"" + dir_ + "/bob.token\"\n  role = \"viewer\"\n\n" +
           minimalZone() + sites();
  }
  // The two SSTP sites, probed every second with a timeout of 0.9 s: a
  // stopped site is refused at once, a slow probe on a loaded machine (the
  // sanitizer pass) does not fail over by itself.
  std::string sites() const {
    std::string text = twoSiteSstpProfile(sstp_port_);
    text.replace(text.find("interval = 0.5"), 14, "interval = 1.0");
    text.replace(text.find("timeout = 0.3"), 13, "timeout = 0.9");
    return text;
  }
  nlohmann::json events(const GtmProcess& gtm, const std::string& query = "") {
    auto r = http(gtm.port2(), "GET", "/api/v1/events" + query, kBob);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("events") ? j["events"] : nlohmann::json::array();
  }
  // Waits until an event matching `pred` is in the journal.
  template <typename Pred>
  nlohmann::json waitForEvent(const GtmProcess& gtm, Pred pred, int ms = 5000) {
    for (int i = 0; i < ms / 100; ++i) {
      for (const auto& e : events(gtm))
        if (pred(e)) return e;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nullptr;
  }
  void makeStateDir() {
    std::filesystem::create_directories(dir_ + "/state");
    std::filesystem::permissions(dir_ + "/state", std::filesystem::perms::all);
  }
  std::string dir_;
  uint16_t sstp_port_ = 0;
  std::unique_ptr<ChildProcess> east_, west_;
};

// A stand-in killed, a drain with a reason, a reload refused: each is in
// the journal with what it concerns and who did it, the headline says
// fail-open, and a restarted gtm reads the history back.
TEST_F(OnCall, WhatHappenedAndWhoDidItSurvivesARestart) {
  std::string cfg = config();
  auto gtm = GtmProcess::serve(cfg);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();
  const std::string with = " --config " + gtm->configPath();

  east_->stop();
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 5), 0);
  auto failover = waitForEvent(*gtm, [](const nlohmann::json& e) { return e["type"] == "answer"; });
  ASSERT_FALSE(failover.is_null()) << events(*gtm).dump(1);
  EXPECT_EQ(failover["profile"], "aovpn");
  EXPECT_EQ(failover["from"], "127.0.10.10");
  EXPECT_EQ(failover["to"], "127.0.20.10");
  EXPECT_EQ(failover["reason"], "failed over to west (east: connection refused)");
  auto check = waitForEvent(*gtm, [](const nlohmann::json& e) { return e["type"] == "check" && e["to"] == "Degraded"; });
  ASSERT_FALSE(check.is_null());
  EXPECT_EQ(check["endpoint"], "east");
  EXPECT_EQ(check["monitor"], "sstp");

  // The drain, by the CLI with the config's own token (alice's) and a reason.
  auto drain = run(kGtm + " endpoint drain aovpn/west --reason 'patching RRAS'" + with);
  ASSERT_EQ(drain.exit_code, 0) << drain.output;
  auto admin = waitForEvent(*gtm, [](const nlohmann::json& e) { return e["type"] == "admin"; });
  ASSERT_FALSE(admin.is_null());
  EXPECT_EQ(admin["endpoint"], "west");
  EXPECT_EQ(admin["action"], "drain");
  EXPECT_EQ(admin["from"], "enabled");
  EXPECT_EQ(admin["to"], "drained");
  EXPECT_EQ(admin["actor"], "alice");
  EXPECT_EQ(admin["client"], "127.0.0.1");
  EXPECT_EQ(admin["reason"], "patching RRAS");
  // bob may read, not drain.
  auto refused = run(kGtm + " endpoint enable aovpn/west --token-file " + dir_ + "/bob.token" + with);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("HTTP 403: the token \"bob\" is a viewer's"), std::string::npos) << refused.output;

  auto open = waitForEvent(*gtm, [](const nlohmann::json& e) {
    return e["type"] == "answer" && e["reason"].get<std::string>().rfind("fail-open", 0) == 0;
  });
  ASSERT_FALSE(open.is_null()) << events(*gtm).dump(1);
  EXPECT_EQ(open["reason"], "fail-open: no endpoint available, answering all (east: connection refused; west: drained)");
  auto st = nlohmann::json::parse(http(gtm->port2(), "GET", "/api/v1/status", kBob).body);
  const auto& headline = st["profiles"][0]["headline"];
  EXPECT_EQ(headline["level"], "fail-open");
  EXPECT_EQ(headline["text"].get<std::string>().rfind("fail-open: no endpoint available, answering all since ", 0), 0u)
      << headline.dump();
  auto status = run(kGtm + " status" + with);
  EXPECT_NE(status.output.find("!! aovpn: fail-open: no endpoint available, answering all since"), std::string::npos)
      << status.output;

  // A reload that succeeds: its event names the config's digest, and the
  // endpoints keeping their states is no event.
  auto endpointEvents = [&] { return events(*gtm, "?type=endpoint,check").size(); };
  size_t endpoint_events = endpointEvents();
  writeFile(dir_, "same.toml", cfg_text(*gtm) + "# reloaded\n");
  ASSERT_EQ(run("cp " + dir_ + "/same.toml " + gtm->configPath() + " && kill -HUP " + std::to_string(gtm->pid())).exit_code, 0);
  auto reloaded = waitForEvent(*gtm, [](const nlohmann::json& e) { return e["type"] == "reload" && e["action"] == "ok"; });
  ASSERT_FALSE(reloaded.is_null()) << gtm->log();
  EXPECT_EQ(reloaded["to"].get<std::string>().size(), 16u) << reloaded.dump();
  EXPECT_EQ(endpointEvents(), endpoint_events) << events(*gtm).dump(1);
  // A reload refused: the event says why (the first error).
  writeFile(dir_, "broken.toml", "[dns]\nlisten = 42\n");
  ASSERT_EQ(run("cp " + dir_ + "/broken.toml " + gtm->configPath() + " && kill -HUP " + std::to_string(gtm->pid())).exit_code, 0);
  auto reload = waitForEvent(*gtm, [](const nlohmann::json& e) { return e["type"] == "reload" && e["action"] == "refused"; });
  ASSERT_FALSE(reload.is_null()) << gtm->log();
  EXPECT_NE(reload["reason"].get<std::string>().find("listen"), std::string::npos) << reload.dump();
  // Metrics count them.
  auto metrics = http(gtm->port2(), "GET", "/metrics", kBob).body;
  EXPECT_NE(metrics.find("gtm_events_total{type=\"admin\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("gtm_profile_failovers_total{profile=\"aovpn\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("gtm_profile_headline_level{profile=\"aovpn\"} 3"), std::string::npos);
  EXPECT_NE(metrics.find("gtm_event_journal_ok 1"), std::string::npos);
  // Filters: by type and endpoint, and time.
  auto admins = events(*gtm, "?type=admin&endpoint=aovpn/west");
  EXPECT_EQ(admins.size(), 1u) << admins.dump();
  EXPECT_TRUE(events(*gtm, "?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z").empty());
  EXPECT_EQ(http(gtm->port2(), "GET", "/api/v1/events?type=boom", kBob).status, 400);
  gtm.reset();

  // A new process on the same state folder: the history is still there.
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/state/events.jsonl"));
  auto again = GtmProcess::serve(cfg);
  auto listed = run(kGtm + " events --since 1h --type admin,answer --config " + again->configPath());
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("admin  aovpn/west  enabled -> drained  by alice from 127.0.0.1  (patching RRAS)"),
            std::string::npos)
      << listed.output;
  EXPECT_NE(listed.output.find("answer  aovpn  127.0.10.10 -> 127.0.20.10"), std::string::npos) << listed.output;
  auto json_lines = run(kGtm + " events --json --type reload --config " + again->configPath());
  EXPECT_NE(json_lines.output.find("\"action\":\"refused\""), std::string::npos) << json_lines.output;
  EXPECT_NE(json_lines.output.find("\"action\":\"stop\""), std::string::npos) << json_lines.output;
}

// Tokens: none, wrong, a viewer's and an operator's, for reading and
// control, with read = "open" and "token".
TEST_F(OnCall, TokensAndRoles) {
  auto guarded = GtmProcess::serve(config("token"));
  uint16_t g = guarded->port2();
  EXPECT_EQ(http(g, "GET", "/healthz").status, 200);
  EXPECT_EQ(http(g, "GET", "/api/v1/status").status, 401);
  EXPECT_EQ(http(g, "GET", "/api/v1/status", "wrong-token-000000000").status, 401);
  EXPECT_EQ(http(g, "GET", "/api/v1/status", kBob).status, 200);
  EXPECT_EQ(http(g, "GET", "/metrics", kAlice).status, 200);
  EXPECT_NE(http(g, "GET", "/").body.find("action=\"/login\""), std::string::npos);
  EXPECT_EQ(http(g, "POST", "/api/v1/endpoints/aovpn/east/disable", kBob).status, 403);
  EXPECT_EQ(http(g, "POST", "/api/v1/endpoints/aovpn/east/disable", "wrong-token-000000000").status, 401);
  EXPECT_EQ(http(g, "POST", "/api/v1/endpoints/aovpn/east/disable").status, 401);
  EXPECT_EQ(http(g, "POST", "/api/v1/endpoints/aovpn/east/disable", kAlice, R"({"reason":"test"})").status, 200);
  // The login form's cookie reads the page.
  auto login = run("curl -s -i -X POST --data-urlencode token=" + kBob + " http://127.0.0.1:" + std::to_string(g) + "/login");
  std::smatch cookie;
  ASSERT_TRUE(std::regex_search(login.output, cookie, std::regex("Set-Cookie: (gtm_session=[0-9a-f]+);[^\r\n]*HttpOnly; SameSite=Strict")))
      << login.output;
  auto page = run("curl -s -H 'Cookie: " + cookie[1].str() + "' http://127.0.0.1:" + std::to_string(g) + "/");
  EXPECT_NE(page.output.find("id=\"headlines\""), std::string::npos);

  auto open = GtmProcess::serve(config("open"));
  EXPECT_EQ(http(open->port2(), "GET", "/api/v1/status").status, 200);
  EXPECT_EQ(http(open->port2(), "POST", "/api/v1/endpoints/aovpn/east/enable").status, 401);
  EXPECT_EQ(http(open->port2(), "POST", "/api/v1/endpoints/aovpn/east/enable", kBob).status, 403);
  EXPECT_EQ(http(open->port2(), "POST", "/api/v1/endpoints/aovpn/east/enable", kAlice).status, 200);
}

// The event stream: an admin action reaches a connected client within a
// second; 100 idle streams cost little memory, and one address still gets
// at most its 8 connections.
TEST_F(OnCall, EventStreamDeliversAtOnceAndIdleStreamsCostLittle) {
  auto gtm = GtmProcess::serve(config("token"));
  uint16_t port = gtm->port2();
  RawClient watcher(port);
  ASSERT_TRUE(watcher.ok());
  watcher.send(streamRequest(port, kBob, "&type=admin"));
  ASSERT_NE(watcher.readUntil("retry:", 2000).find("Content-Type: text/event-stream"), std::string::npos);
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(http(port, "POST", "/api/v1/endpoints/aovpn/west/drain?reason=stream%20test", kAlice).status, 200);
  std::string got = watcher.readUntil("event: admin", 1000);
  auto took = std::chrono::steady_clock::now() - start;
  got = watcher.readUntil("\"reason\":\"stream test\"", 500);
  EXPECT_NE(got.find("event: admin"), std::string::npos) << got;
  EXPECT_NE(got.find("\"reason\":\"stream test\""), std::string::npos) << got;
  EXPECT_LT(took, std::chrono::seconds(1));
  std::cout << "event stream: the admin event arrived "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms after the action\n";

  long before = rssKiB(gtm->pid());
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 100; ++i) {
    // One address each (127.0.1.x): the per-address cap is 8.
    auto c = std::make_unique<RawClient>(port, "127.0.1." + std::to_string(i + 1));
    ASSERT_TRUE(c->ok());
    c->send(streamRequest(port, kBob));
    idle.push_back(std::move(c));
  }
  for (auto& c : idle) EXPECT_NE(c->readUntil("retry:", 3000).find("200 OK"), std::string::npos);
  long after = rssKiB(gtm->pid());
  std::cout << "100 idle event streams: gtm's RSS " << before << " KiB -> " << after << " KiB\n";
  EXPECT_LT(after - before, 8 * 1024) << "KiB for 100 idle streams";
  // One address: 8 connections, the 9th closed at once.
  std::vector<std::unique_ptr<RawClient>> same;
  for (int i = 0; i < 9; ++i) {
    same.push_back(std::make_unique<RawClient>(port, "127.0.2.1"));
    same.back()->send(streamRequest(port, kBob));
  }
  int served = 0;
  for (auto& c : same) served += c->readUntil("retry:", 2000).find("200 OK") != std::string::npos;
  EXPECT_EQ(served, 8);
  EXPECT_EQ(http(port, "GET", "/healthz").status, 200) << "the server still answers others";
}

// A journal whose file takes nothing (a FIFO nobody reads): DNS answers,
// failovers happen, the status says the journal fails.
TEST_F(OnCall, AJournalThatCannotWriteNeverStopsDns) {
  std::string fifo = dir_ + "/events.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  auto gtm = GtmProcess::serve(config("open", "event_log = \"" + fifo + "\"\n"));
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();
  east_->stop();
  EXPECT_GE(waitForAnswer(gtm->port(), "127.0.20.10", 5), 0);
  nlohmann::json st;
  for (int i = 0; i < 50; ++i) {
    st = nlohmann::json::parse(http(gtm->port2(), "GET", "/api/v1/status").body, nullptr, false);
    if (st.contains("journal") && !st["journal"]["ok"].get<bool>()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(st.contains("journal")) << st.dump();
  EXPECT_FALSE(st["journal"]["ok"].get<bool>());
  EXPECT_NE(st["journal"]["error"].get<std::string>().find("cannot open"), std::string::npos);
  EXPECT_NE(http(gtm->port2(), "GET", "/metrics").body.find("gtm_event_journal_ok 0"), std::string::npos);
  EXPECT_NE(http(gtm->port2(), "GET", "/").body.find("The event journal is failing"), std::string::npos);
  // The events are still shown, from memory.
  EXPECT_FALSE(waitForEvent(*gtm, [](const nlohmann::json& e) { return e["type"] == "answer"; }).is_null());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(firstAnswer(gtm->port()), "127.0.20.10");
}

// The page in headless Chromium in each state: the headline of each
// profile in the rendered DOM, no page error, nothing requested from
// anywhere but the server; a screenshot of each state.
TEST_F(OnCall, PageHeadlinesInEachState) {
  if (!haveCommand("chromium")) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh test)";
  // A second profile that fails closed, on east alone.
  std::string strict = R"(
[[profile]]
name = "strict"
fqdn = "strict.vpn.example.com."
all_degraded = "fail-closed"
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "east"
  target = "127.0.10.10"
)";
  auto gtm = GtmProcess::serve(config("open") + strict);
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto page = DevTools::open("http://127.0.0.1:" + std::to_string(gtm->port2()) + "/", dir_ + "/chromium");
  auto headline = [&](const std::string& profile) {
    return page->evaluate("(document.querySelector('li[data-profile=\"" + profile +
                          "\"] .hl-text') || {textContent: ''}).textContent");
  };
  // Until the headline matches `want` in full (a probe that timed out under
  // load may say another reason first), at most 10 s; the text last seen.
  auto waitHeadline = [&](const std::string& profile, const std::string& want) {
    std::string text;
    const std::regex pattern(want);
    for (int i = 0; i < 100; ++i) {
      text = headline(profile);
      if (std::regex_match(text, pattern)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return text;
  };
  std::string artifacts = GTM_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  auto shot = [&](const std::string& name) { EXPECT_TRUE(page->screenshot(artifacts + "/on-call-" + name + ".png")); };

  EXPECT_EQ(waitHeadline("aovpn", "\"answering east\""), "\"answering east\"");
  EXPECT_EQ(waitHeadline("strict", "\"answering east\""), "\"answering east\"");
  shot("healthy");
  east_->stop();
  const std::string failed_over = R"re("failed over to west since \d\d:\d\d UTC \(east: connection refused\)")re";
  std::string text = waitHeadline("aovpn", failed_over);
  EXPECT_TRUE(std::regex_match(text, std::regex(failed_over))) << text;
  const std::string closed = R"re("no answer \(fail-closed\) since \d\d:\d\d UTC \(east: connection refused\)")re";
  text = waitHeadline("strict", closed);
  EXPECT_TRUE(std::regex_match(text, std::regex(closed))) << text;
  shot("failed-over-and-fail-closed");
  ASSERT_EQ(http(gtm->port2(), "POST", "/api/v1/endpoints/aovpn/west/drain", kAlice).status, 200);
  const std::string open = R"re("fail-open: no endpoint available, answering all since \d\d:\d\d UTC \(east: connection refused; west: drained\)")re";
  text = waitHeadline("aovpn", open);
  EXPECT_TRUE(std::regex_match(text, std::regex(open))) << text;
  // Problems first: both profiles' headlines are open, and the timeline
  // strips are drawn.
  EXPECT_EQ(page->evaluate("document.querySelectorAll('#timelines svg.timeline').length"), "3");
  EXPECT_EQ(page->evaluate("document.querySelectorAll('#latest-events tr.ev-admin').length"), "1");
  shot("fail-open");
  EXPECT_EQ(page->evaluate("JSON.stringify(window.gtmPageErrors)"), "\"[]\"");
  EXPECT_EQ(page->evaluate("performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin)).length"),
            "0")
      << "nothing requested from elsewhere";
  EXPECT_EQ(page->evaluate("performance.getEntriesByType('navigation').length"), "1") << "loaded once";
  // Without JavaScript the headlines are in the HTML itself.
  EXPECT_NE(http(gtm->port2(), "GET", "/").body.find("fail-open: no endpoint available"), std::string::npos);
}

// Traffic View: answers to queries with ECS from known networks (and one
// without, counted by the resolver's address) show per endpoint with their
// counts, in the API, gtm traffic and the page.
TEST_F(OnCall, TrafficViewCountsClientNetworks) {
  if (run("perl -MMaxMind::DB::Writer::Tree -e 1").exit_code != 0)
    GTEST_SKIP() << "libmaxmind-db-writer-perl is not installed (scripts/install-deps.sh test)";
  // The geographic tests' database: 198.18.1.0/24 is in Germany, 198.18.2.0/24 in France.
  std::string db = dir_ + "/GeoLite2-City.mmdb";
  auto made = run("perl " + std::string(GTM_SOURCE_DIR) + "/tests/support/make_geoip_db.pl " + db);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto gtm = GtmProcess::serve(config("open") + "\n[geoip]\ndatabase = \"" + db + "\"\n");
  ASSERT_GE(waitForAnswer(gtm->port(), "127.0.10.10", 5), 0) << gtm->log();
  auto ask = [&](std::vector<uint8_t> ecs, int times) {
    for (int i = 0; i < times; ++i) {
      QuerySpec q;
      q.id = static_cast<uint16_t>(i);
      q.edns = true;
      if (!ecs.empty()) q.options.push_back({8, ecs});
      ASSERT_FALSE(udpExchange("127.0.0.1", gtm->port(), buildQuery(q)).empty());
    }
  };
  ask({0, 1, 32, 0, 198, 51, 100, 7}, 30);                     // 198.51.100.0/24
  ask({0, 1, 24, 0, 203, 0, 113}, 10);                         // 203.0.113.0/24
  ask({0, 2, 64, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2}, 5);   // 2001:db8:1::/48
  ask({0, 1, 16, 0, 192, 0}, 4);                               // a /16 source: itself
  ask({0, 1, 24, 0, 198, 18, 1}, 6);                           // 198.18.1.0/24, DE
  ask({0, 1, 24, 0, 198, 18, 2}, 3);                           // 198.18.2.0/24, FR
  ask({}, 7);                                                  // the resolver: 127.0.0.0/24
  // A report collects what the threads counted unless a collection ran in
  // the last 250 ms (which may have missed the last answers).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = http(gtm->port2(), "GET", "/api/v1/traffic?profile=aovpn");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  const auto& east = j["endpoints"][0];
  EXPECT_EQ(east["name"], "east");
  std::map<std::string, uint64_t> got;
  for (const auto& n : east["networks"]) got[n["network"]] = n["answers"];
  uint64_t before = 0;
  for (const auto& [net, n] : got)
    if (net.rfind("127.0.0.0/24", 0) == 0) before = n;  // waitForAnswer's own queries too
  EXPECT_EQ(got["198.51.100.0/24"], 30u) << r.body;
  EXPECT_EQ(got["203.0.113.0/24"], 10u) << r.body;
  EXPECT_EQ(got["2001:db8:1::/48"], 5u) << r.body;
  EXPECT_EQ(got["192.0.0.0/16"], 4u) << r.body;
  EXPECT_GE(before, 7u) << r.body;
  EXPECT_EQ(east["networks"][0]["network"], "198.51.100.0/24") << "busiest first";
  EXPECT_EQ(got["198.18.1.0/24"], 6u) << r.body;
  EXPECT_EQ(east["answers"].get<uint64_t>(), 30u + 10 + 5 + 4 + 6 + 3 + before) << r.body;
  // By country, where the database knows the network.
  EXPECT_EQ(east["countries"]["DE"], 6u + 5) << r.body << " (2001:db8:1::/48 is in Germany too)";
  EXPECT_EQ(east["countries"]["FR"], 3u) << r.body;
  EXPECT_EQ(east["countries"]["unknown"], 30u + 10 + 4 + before) << r.body;
  for (const auto& n : east["networks"])
    if (n["network"] == "198.18.1.0/24") {
      EXPECT_EQ(n["country"], "DE");
    }
  EXPECT_EQ(east["other_networks"], 0u);
  EXPECT_EQ(http(gtm->port2(), "GET", "/api/v1/traffic?profile=nope").status, 404);
  auto cli = run(kGtm + " traffic aovpn --config " + gtm->configPath());
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("    198.51.100.0/24  30"), std::string::npos) << cli.output;
  EXPECT_NE(http(gtm->port2(), "GET", "/").body.find("198.51.100.0/24 30"), std::string::npos);
}

// Two nodes through etcd: a drain made on one is in both journals with who
// made it and on which node; a node that stops is recorded as leaving.
TEST_F(OnCall, ClusterJournalsSayWhoDidItOnWhichNode) {
  if (auto why = Etcd::cannotRun(); !why.empty()) GTEST_SKIP() << why;
  auto etcd = Etcd::start();
  std::string text = config("token", "") ;
  text.replace(text.find("[status]"), 0, "[cluster]\netcd = [\"" + etcd->url() + "\"]\nlease_ttl = 2\n\n");
  // Each node its own state folder.
  std::string one = text, two = text;
  std::filesystem::create_directories(dir_ + "/state2");
  std::filesystem::permissions(dir_ + "/state2", std::filesystem::perms::all);
  two.replace(two.find(dir_ + "/state/"), dir_.size() + 7, dir_ + "/state2/");
  auto ns1 = GtmProcess::serve(one, {"--node", "ns1"});
  auto ns2 = GtmProcess::serve(two, {"--node", "ns2"});
  auto joined = waitForEvent(*ns1, [](const nlohmann::json& e) { return e["type"] == "cluster" && e["action"] == "joined"; });
  ASSERT_FALSE(joined.is_null()) << events(*ns1).dump(1);
  EXPECT_EQ(joined["to"], "ns2");
  EXPECT_EQ(joined["node"], "ns1");

  auto r = http(ns1->port2(), "POST", "/api/v1/endpoints/aovpn/west/drain", kAlice, R"({"reason":"patching RRAS"})");
  ASSERT_EQ(r.status, 200) << r.body;
  for (GtmProcess* node : {ns1.get(), ns2.get()}) {
    auto admin = waitForEvent(*node, [](const nlohmann::json& e) { return e["type"] == "admin"; });
    ASSERT_FALSE(admin.is_null()) << node->log();
    EXPECT_EQ(admin["actor"], "alice@ns1");
    EXPECT_EQ(admin["client"], "127.0.0.1");
    EXPECT_EQ(admin["reason"], "patching RRAS");
    EXPECT_EQ(admin["to"], "drained");
    EXPECT_EQ(admin["endpoint"], "west");
  }
  EXPECT_NE(http(ns2->port2(), "GET", "/", kBob).body.find("id=\"cluster-nodes\""), std::string::npos);
  // The clustered page in Chromium: signed in through the login form (a
  // session cookie), the nodes listed, no page error.
  if (haveCommand("chromium")) {
    auto page = DevTools::open("http://127.0.0.1:" + std::to_string(ns2->port2()) + "/", dir_ + "/chromium");
    std::string form;
    for (int i = 0; i < 50 && (form = page->evaluate("document.querySelectorAll('form[action=\"/login\"]').length")) != "1"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(form, "1");
    page->evaluate("document.querySelector('input[name=token]').value = '" + kBob + "'; document.forms[0].submit(); 1");
    std::string rows;
    for (int i = 0; i < 50 && (rows = page->evaluate("document.querySelectorAll('#cluster-nodes tr').length")) != "3"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(rows, "3") << "a header and two nodes";
    EXPECT_EQ(page->evaluate("document.querySelector('#cluster-nodes').textContent.includes('ns2 (this node)')"), "true");
    std::string errors;
    for (int i = 0; i < 30 && (errors = page->evaluate("JSON.stringify(window.gtmPageErrors || null)")) == "\"null\""; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(errors, "\"[]\"");
    std::filesystem::create_directories(GTM_ARTIFACT_DIR);
    EXPECT_TRUE(page->screenshot(std::string(GTM_ARTIFACT_DIR) + "/on-call-clustered.png"));
  }
  ns2.reset();
  auto left = waitForEvent(*ns1, [](const nlohmann::json& e) { return e["type"] == "cluster" && e["action"] == "left"; }, 10000);
  ASSERT_FALSE(left.is_null()) << events(*ns1).dump(1);
  EXPECT_EQ(left["to"], "ns2");
}

}  // namespace
}  // namespace gtm::test
