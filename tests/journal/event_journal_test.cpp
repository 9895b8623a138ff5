// The event journal on disk: lines written and read back by the next
// process, rotation at the bound, corrupt lines skipped and counted, and a
// disk that takes nothing (/dev/full, a FIFO nobody reads) never blocks
// add() and is reported.
#include "journal/event_journal.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace gtm::journal {
namespace {

std::string tempDir() {
  char path[] = "/tmp/gtm-journal-XXXXXX";
  return ::mkdtemp(path);
}

Event answerEvent(int i) {
  Event e;
  e.type = "answer";
  e.profile = "aovpn";
  e.from = "127.0.10.10";
  e.to = "127.0.20.10";
  e.reason = "failed over to west (east: connection refused) #" + std::to_string(i);
  return e;
}

template <typename Pred>
bool waitFor(Pred pred, int ms = 5000) {
  for (int i = 0; i < ms / 10; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST(EventLine, RoundTripsAndRefusesWhatIsNotAnEvent) {
  Event e = answerEvent(1);
  e.time_ms = 1764645120123;
  e.node = "node1";
  e.actor = "alice";
  e.client = "127.0.0.1";
  auto back = parseEventLine(eventLine(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->time_ms, e.time_ms);
  EXPECT_EQ(back->node, "node1");
  EXPECT_EQ(back->reason, e.reason);
  EXPECT_EQ(back->actor, "alice");
  EXPECT_NE(eventLine(e).find("\"time\":\"2025-12-02T03:12:00.123Z\""), std::string::npos) << eventLine(e);
  for (const char* bad : {"", "not json", "[]", "{\"t\":1}", "{\"t\":\"1\",\"type\":\"answer\"}",
                          "{\"t\":1,\"type\":\"explosion\"}", "{\"t\":1,\"type\":\"answer\",\"reason\":7}",
                          "{\"t\":-5,\"type\":\"answer\"}", "{\"t\":1,\"type\":\"answer\"", "\xff\xfe"})
    EXPECT_FALSE(parseEventLine(bad)) << bad;
  EXPECT_FALSE(parseEventLine("{\"t\":1,\"type\":\"answer\",\"reason\":\"" + std::string(kMaxLine, 'x') + "\"}"));
  // Long fields are cut, not refused.
  e.reason = std::string(2000, 'r');
  EXPECT_EQ(parseEventLine(eventLine(e))->reason.size(), kMaxField);
}

TEST(EventLine, TimesAndDurations) {
  int64_t now = 1764645120000;  // 2025-12-02T03:12:00Z
  EXPECT_EQ(parseTimeArg("-1h", now), now - 3600000);
  EXPECT_EQ(parseTimeArg("1h", now), now - 3600000);
  EXPECT_EQ(parseTimeArg("90s", now), now - 90000);
  EXPECT_EQ(parseTimeArg("2d", now), now - 2 * 86400000LL);
  EXPECT_EQ(parseTimeArg("2025-12-02T03:00:00Z", now), now - 12 * 60000);
  EXPECT_EQ(parseTimeArg("2025-12-02T03:00:00.5Z", now), now - 12 * 60000 + 500);
  for (const char* bad : {"", "h", "-h", "yesterday", "2025-12-02", "2025-12-02T03:00:00", "2025-12-02T03:00:00+01:00", "-1y"})
    EXPECT_FALSE(parseTimeArg(bad, now)) << bad;
}

TEST(EventJournal, WrittenAndReadBackByTheNextProcess) {
  std::string dir = tempDir(), path = dir + "/events.jsonl";
  {
    EventJournal j({path, 1 << 20, "node1"});
    j.start();
    for (int i = 0; i < 50; ++i) j.add(answerEvent(i));
    j.stop();
    EXPECT_EQ(j.health().written, 50u);
    EXPECT_TRUE(j.health().ok);
  }
  // A line torn by a crash, and junk: skipped and counted.
  {
    std::ofstream out(path, std::ios::app);
    out << "{\"t\":17646451\n" << "garbage\n";
  }
  EventJournal again({path, 1 << 20, "node1"});
  again.start();
  EXPECT_EQ(again.health().read_back, 50u);
  EXPECT_EQ(again.health().corrupt_lines, 2u);
  EventFilter f;
  f.types = {"answer"};
  auto events = again.query(f);
  ASSERT_EQ(events.size(), 50u);
  EXPECT_EQ(events.front().reason, answerEvent(0).reason);
  EXPECT_EQ(events.back().node, "node1");
  // Filters: by profile, endpoint, type, time, and the newest `limit`.
  f.limit = 3;
  events = again.query(f);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events.back().reason, answerEvent(49).reason);
  f.profile = "other";
  EXPECT_TRUE(again.query(f).empty());
  again.stop();
  std::filesystem::remove_all(dir);
}

TEST(EventJournal, RotatesAtItsBoundKeepingOneOldFile) {
  std::string dir = tempDir(), path = dir + "/events.jsonl";
  EventJournal j({path, 20000, ""});
  j.start();
  // All at once: the writer splits them so that no file passes the bound.
  for (int i = 0; i < 400; ++i) j.add(answerEvent(i));
  j.stop();
  ASSERT_TRUE(std::filesystem::exists(path + ".1"));
  EXPECT_LE(std::filesystem::file_size(path), 20000u);
  EXPECT_LE(std::filesystem::file_size(path + ".1"), 20000u);
  // Read back: the newest events, in order, from both files.
  EventJournal again({path, 20000, ""});
  again.start();
  EventFilter f;
  f.limit = EventFilter::kMaxLimit;
  auto events = again.query(f);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().reason, answerEvent(399).reason);
  EXPECT_EQ(again.health().corrupt_lines, 0u);
  again.stop();
  std::filesystem::remove_all(dir);
}

// A full disk: add() returns at once, the journal says it fails, events
// stay in memory for the page and the API.
TEST(EventJournal, AFullDiskNeverBlocksAndIsReported) {
  EventJournal j({"/dev/full", 1 << 20, ""});
  j.start();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) j.add(answerEvent(i));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  ASSERT_TRUE(waitFor([&] { return !j.health().ok; }));
  EXPECT_NE(j.health().error.find("No space left"), std::string::npos) << j.health().error;
  EXPECT_EQ(j.query({}).size(), 1000u);
  EXPECT_GT(j.health().pending, 0u);
  j.stop();
}

// A FIFO that nobody reads: opened without waiting, refused at once.
TEST(EventJournal, AFifoNobodyReadsNeverBlocks) {
  std::string dir = tempDir(), path = dir + "/events.fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EventJournal j({path, 1 << 20, ""});
  j.start();
  j.add(answerEvent(1));
  ASSERT_TRUE(waitFor([&] { return !j.health().ok; }));
  EXPECT_NE(j.health().error.find("cannot open"), std::string::npos) << j.health().error;
  auto start = std::chrono::steady_clock::now();
  j.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  std::filesystem::remove_all(dir);
}

TEST(EventJournal, TheStreamReadsWhatCameAfter) {
  EventJournal j({"", 0, "n"});
  uint64_t first = j.add(answerEvent(1));
  j.add(answerEvent(2));
  j.add(answerEvent(3));
  auto after = j.after(first, 10);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].reason, answerEvent(2).reason);
  EXPECT_TRUE(j.after(j.lastSeq(), 10).empty());
  EXPECT_EQ(j.countsByType()["answer"], 3u);
}

}  // namespace
}  // namespace gtm::journal
