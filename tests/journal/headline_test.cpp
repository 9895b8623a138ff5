// The headlines the admin on call reads, from a compiled snapshot with its
// health set by hand, and the 24-hour timeline drawn from events.
#include "journal/headline.hpp"

#include <gtest/gtest.h>

#include "journal/answer_watch.hpp"
#include "journal/timeline.hpp"
#include "tests/support/test_config.hpp"
#include "tests/support/test_snapshot.hpp"

namespace gtm::journal {
namespace {

std::shared_ptr<dns::Snapshot> snapshot(const std::string& routing, bool fail_closed = false) {
  std::string text = "[dns]\nlisten = [\"127.0.0.1:5353\"]\n" + test::minimalZone() +
                     "[[profile]]\nname = \"aovpn\"\nfqdn = \"aovpn.vpn.example.com.\"\nrouting = \"" + routing +
                     "\"\n" + (fail_closed ? "all_degraded = \"fail-closed\"\n" : "") +
                     "  [[profile.endpoint]]\n  name = \"east\"\n  target = [\"198.18.0.10\", \"2001:db8::10\"]\n  priority = 1\n"
                     "  [[profile.endpoint]]\n  name = \"west\"\n  target = \"198.18.0.20\"\n  priority = 2\n"
                     "  [[profile.endpoint]]\n  name = \"north\"\n  target = \"198.18.0.30\"\n  priority = 3\n";
  std::string errors;
  auto s = test::compileSnapshot(text, errors);
  EXPECT_TRUE(s) << errors;
  return std::shared_ptr<dns::Snapshot>(std::move(s));
}

void set(const dns::Snapshot& s, const std::string& endpoint, policy::Health h) {
  for (const policy::Endpoint& e : s.profiles[0].endpoints)
    if (e.name == endpoint) s.health->set(e.health_slot, h);
}
void drain(const dns::Snapshot& s, const std::string& endpoint) {
  for (const policy::Endpoint& e : s.profiles[0].endpoints)
    if (e.name == endpoint) s.health->setAdminDisabled(e.health_slot, true);
}

const WhyUnavailable kWhy = [](const std::string& endpoint) {
  return endpoint == "aovpn/east" ? "connection refused" : endpoint == "aovpn/west" ? "drained" : "HTTP 503";
};

TEST(Headline, PriorityProfileThroughEveryCase) {
  auto s = snapshot("priority");
  for (const char* e : {"east", "west", "north"}) set(*s, e, policy::Health::online);
  Headline h = describeProfile(*s, 0, kWhy);
  EXPECT_EQ(h.level, Level::ok);
  EXPECT_EQ(headlineText(h, 0), "answering east");
  EXPECT_EQ(h.answer, "198.18.0.10, 2001:db8::10");

  set(*s, "north", policy::Health::degraded);  // a standby down: same answer, noticed
  h = describeProfile(*s, 0, kWhy);
  EXPECT_EQ(h.level, Level::notice);
  EXPECT_EQ(headlineText(h, 0), "answering east (north: HTTP 503)");

  set(*s, "east", policy::Health::degraded);
  h = describeProfile(*s, 0, kWhy);
  h.since_ms = 1764645120000;  // 03:12 UTC
  EXPECT_EQ(h.level, Level::failed_over);
  EXPECT_EQ(headlineText(h, 1764645120000 + 60000),
            "failed over to west since 03:12 UTC (east: connection refused; north: HTTP 503)");
  EXPECT_EQ(h.answer, "198.18.0.20");

  drain(*s, "west");
  h = describeProfile(*s, 0, kWhy);
  EXPECT_EQ(h.level, Level::fail_open);
  EXPECT_EQ(headlineText(h, 0),
            "fail-open: no endpoint available, answering all (east: connection refused; west: drained; north: HTTP 503)");
  EXPECT_EQ(h.answer, "198.18.0.10, 2001:db8::10, 198.18.0.30") << "every endpoint the admin did not disable";

  auto closed = snapshot("priority", true);
  for (const char* e : {"east", "west", "north"}) set(*closed, e, policy::Health::degraded);
  h = describeProfile(*closed, 0, {});
  EXPECT_EQ(h.level, Level::fail_closed);
  EXPECT_EQ(headlineText(h, 0), "no answer (fail-closed) (east: Degraded; west: Degraded; north: Degraded)");
  EXPECT_EQ(h.answer, "");
}

TEST(Headline, WeightedProfileNamesWhatIsMissing) {
  auto s = snapshot("weighted");
  for (const char* e : {"east", "west", "north"}) set(*s, e, policy::Health::online);
  EXPECT_EQ(headlineText(describeProfile(*s, 0, kWhy), 0), "answering east, west and north");
  set(*s, "west", policy::Health::full);
  Headline h = describeProfile(*s, 0, {});
  EXPECT_EQ(h.level, Level::failed_over);
  EXPECT_EQ(h.what, "answering east and north without west");
}

// The watch records an answer event on each change, with the headline as
// its reason, and counts failovers.
TEST(AnswerWatch, RecordsEachChangeOfTheAnswer) {
  auto s = snapshot("priority");
  for (const char* e : {"east", "west", "north"}) set(*s, e, policy::Health::online);
  EventJournal journal({"", 0, ""});
  AnswerWatch watch([s] { return s; }, [] { return kWhy; }, journal);
  watch.check();
  EXPECT_TRUE(journal.query({}).empty()) << "first sight with no history: nothing changed";
  set(*s, "north", policy::Health::degraded);
  watch.check();
  EXPECT_TRUE(journal.query({}).empty()) << "a standby down changes no answer (its endpoint event says so)";
  set(*s, "east", policy::Health::degraded);
  watch.check();
  watch.check();
  auto events = journal.query({});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "answer");
  EXPECT_EQ(events[0].from, "198.18.0.10, 2001:db8::10");
  EXPECT_EQ(events[0].to, "198.18.0.20");
  EXPECT_EQ(events[0].reason, "failed over to west (east: connection refused; north: HTTP 503)");
  EXPECT_EQ(watch.failovers()["aovpn"], 1u);
  ASSERT_EQ(watch.headlines().size(), 1u);
  EXPECT_GT(watch.headlines()[0].since_ms, 0);
  set(*s, "east", policy::Health::online);
  watch.check();
  EXPECT_EQ(journal.query({}).size(), 2u);
  EXPECT_EQ(journal.query({}).back().reason, "answering east (north: HTTP 503)");
  EXPECT_EQ(watch.failovers()["aovpn"], 1u) << "going back is not a failover";
}

TEST(Timeline, SegmentsFollowTheEvents) {
  const int64_t h = 3600000, from = 0, to = 24 * h;
  auto ev = [](const char* type, int64_t at, const char* was, const char* now) {
    Event e;
    e.type = type;
    e.time_ms = at;
    e.from = was;
    e.to = now;
    return e;
  };
  std::vector<Event> events{ev("endpoint", 2 * h, "Online", "Degraded"), ev("endpoint", 3 * h, "Degraded", "Online"),
                            ev("admin", 10 * h, "enabled", "drained"), ev("endpoint", 11 * h, "Online", "Degraded"),
                            ev("admin", 12 * h, "drained", "enabled")};
  auto segs = timeline(events, "Degraded", "enabled", 1 * h, from, to);
  ASSERT_EQ(segs.size(), 6u);
  EXPECT_EQ(segs[0].state, "unknown");
  EXPECT_EQ(segs[0].end_ms, 1 * h);
  EXPECT_EQ(segs[1].state, "Online");
  EXPECT_EQ(segs[2].state, "Degraded");
  EXPECT_EQ(segs[3].state, "Online");
  EXPECT_EQ(segs[4].state, "drained");
  EXPECT_EQ(segs[4].start_ms, 10 * h);
  EXPECT_EQ(segs[4].end_ms, 12 * h) << "Degraded under the drain shows as drained";
  EXPECT_EQ(segs[5].state, "Degraded");
  EXPECT_EQ(segs[5].end_ms, to);
  // No events: the state now, all day.
  segs = timeline({}, "Online", "enabled", from, from, to);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].state, "Online");
  std::string svg = timelineSvg(segs, from, to);
  EXPECT_NE(svg.find("class=\"t-Online\""), std::string::npos);
  EXPECT_EQ(svg.find("style="), std::string::npos) << "no inline style: the page's CSP forbids it";
}

}  // namespace
}  // namespace gtm::journal
