// Live reload while a client queries without pause: a changed weight, an
// added endpoint, a removed endpoint, a broken file and its repair, each
// picked up from the file change alone. Not one query may go unanswered or
// be answered with an error.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_config.hpp"

namespace gtm::test {
namespace {

std::string config(const std::string& port, int weight_a, bool with_z) {
  std::string text = "[dns]\nlisten = [\"127.0.0.1:" + port + R"("]
threads = 2

)" + minimalZone() + R"(

[[profile]]
name = "w"
fqdn = "w.vpn.example.com."
routing = "weighted"
  [[profile.endpoint]]
  name = "a"
  target = "192.0.2.1"
  weight = )" + std::to_string(weight_a) + R"(
  [[profile.endpoint]]
  name = "b"
  target = "192.0.2.2"

[[profile]]
name = "m"
fqdn = "m.vpn.example.com."
routing = "multivalue"
max_answers = 10
  [[profile.endpoint]]
  name = "x"
  target = "192.0.2.10"
  [[profile.endpoint]]
  name = "y"
  target = "192.0.2.11"
)";
  if (with_z) text += "  [[profile.endpoint]]\n  name = \"z\"\n  target = \"192.0.2.12\"\n";
  return text;
}

// Replaces the file the way editors and config tools do: write, then rename.
void replaceFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".new";
  writeFile(tmp.substr(0, tmp.rfind('/')), tmp.substr(tmp.rfind('/') + 1), text);
  std::rename(tmp.c_str(), path.c_str());
}

size_t answers(uint16_t port, const std::string& name) {
  QuerySpec q;
  q.name = name;
  auto p = decode(udpExchange("127.0.0.1", port, buildQuery(q)));
  return p ? ldns_pkt_ancount(p.get()) : 0;
}

bool eventually(const std::function<bool()>& check) {
  for (int i = 0; i < 100; ++i) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(Reload, FileChangesWhileQueryingLoseNothing) {
  auto gtm = GtmProcess::serve(config("{PORT}", 1, false));
  const uint16_t port = gtm->port();
  const std::string path = gtm->configPath();
  const std::string p = std::to_string(port);

  // The client: one query after another, each must be answered NOERROR.
  std::atomic<bool> done{false};
  std::atomic<int> sent{0}, lost{0}, errors{0};
  std::thread client([&] {
    QuerySpec q;
    q.name = "w.vpn.example.com.";
    while (!done) {
      ++sent;
      auto reply = decode(udpExchange("127.0.0.1", port, buildQuery(q), 1000));
      if (!reply)
        ++lost;
      else if (ldns_pkt_get_rcode(reply.get()) != LDNS_RCODE_NOERROR || ldns_pkt_ancount(reply.get()) != 1)
        ++errors;
    }
  });

  auto shareOfA = [&] {
    int a = 0;
    QuerySpec q;
    q.name = "w.vpn.example.com.";
    for (int i = 0; i < 50; ++i) {
      auto pkt = decode(udpExchange("127.0.0.1", port, buildQuery(q)));
      auto s = pkt ? section(pkt.get(), LDNS_SECTION_ANSWER) : std::vector<std::string>{};
      a += !s.empty() && s[0].substr(s[0].rfind(' ') + 1) == "192.0.2.1";
    }
    return a / 50.0;
  };

  // 1. A changed weight: a 1000 to b 1.
  replaceFile(path, config(p, 1000, false));
  EXPECT_TRUE(eventually([&] { return shareOfA() > 0.95; })) << gtm->log();
  // 2. An added endpoint.
  replaceFile(path, config(p, 1000, true));
  EXPECT_TRUE(eventually([&] { return answers(port, "m.vpn.example.com.") == 3; })) << gtm->log();
  // 3. A removed endpoint.
  replaceFile(path, config(p, 1000, false));
  EXPECT_TRUE(eventually([&] { return answers(port, "m.vpn.example.com.") == 2; })) << gtm->log();
  // 4. A broken file: the old config keeps serving, the error is logged.
  replaceFile(path, config(p, 1000, true) + "\n[[profile]]\nname = \"w\"\n");
  EXPECT_TRUE(eventually([&] { return gtm->log().find("reload failed") != std::string::npos; })) << gtm->log();
  EXPECT_EQ(answers(port, "m.vpn.example.com."), 2u);
  // 5. Repaired.
  replaceFile(path, config(p, 1000, true));
  EXPECT_TRUE(eventually([&] { return answers(port, "m.vpn.example.com.") == 3; })) << gtm->log();

  done = true;
  client.join();
  EXPECT_GT(sent, 100);
  EXPECT_EQ(lost, 0) << "of " << sent;
  EXPECT_EQ(errors, 0) << "of " << sent;
  EXPECT_NE(gtm->log().find("gtm.toml:"), std::string::npos) << "the broken file's error names the file";
}

}  // namespace
}  // namespace gtm::test
