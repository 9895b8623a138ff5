// The event journal: every event kept in memory (the newest kMemoryEvents)
// for the status page, the API and the event stream, and appended to a
// JSON-lines file by a thread of its own, fsync'd in batches, so that the
// history survives restarts and upgrades. add() never waits for the disk: a
// disk that is slow, full or a FIFO nobody reads leaves events pending (at
// most kMaxPending, the oldest dropped and counted) and says so in health(),
// while DNS goes on answering.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "journal/event.hpp"

namespace gtm::journal {

struct JournalSettings {
  std::string path;                        // empty: in memory only
  uint64_t max_bytes = 64ull * 1024 * 1024;  // past it the file becomes PATH.1 (one kept); writes of at most half
  std::string node;                        // stamped on every event added here
};

class EventJournal {
 public:
  static constexpr size_t kMemoryEvents = 50000;
  static constexpr size_t kMaxPending = 100000;

  explicit EventJournal(JournalSettings settings);
  ~EventJournal();
  EventJournal(const EventJournal&) = delete;
  EventJournal& operator=(const EventJournal&) = delete;

  // Reads PATH.1 and PATH back (the newest kMemoryEvents), skipping lines
  // that do not parse (counted), then starts the writer. Never fails: an
  // unreadable file is reported by health() and the journal goes on in
  // memory.
  void start();
  void stop();  // writes what is pending, then ends the writer

  // Stamps time (when 0), node and sequence; from any thread, never blocks
  // on the disk. Returns the sequence number.
  uint64_t add(Event e);

  // The newest filter.limit events that match, oldest first.
  [[nodiscard]] std::vector<Event> query(const EventFilter& filter) const;
  // Events after sequence `seq`, oldest first, at most `max` (the event stream).
  [[nodiscard]] std::vector<Event> after(uint64_t seq, size_t max) const;
  [[nodiscard]] uint64_t lastSeq() const { return seq_.load(); }
  // The time of the oldest event held (0: none): history starts there.
  [[nodiscard]] int64_t oldestMillis() const;

  struct Health {
    std::string path;
    bool ok = true;            // the last write (or read) succeeded and none is stuck
    std::string error;         // why not
    uint64_t pending = 0;      // waiting for the disk
    uint64_t dropped = 0;      // lost because the disk did not take them
    uint64_t corrupt_lines = 0;  // skipped when reading back
    uint64_t read_back = 0;    // events read back at start
    uint64_t written = 0;      // lines written since start
    double stalled_seconds = 0;  // a write that has not returned for this long
  };
  [[nodiscard]] Health health() const;
  // Events added since start, by type (gtm_events_total).
  [[nodiscard]] std::map<std::string, uint64_t> countsByType() const;

 private:
  void readBack();
  void readFile(const std::string& path);
  void writerLoop();
  bool writeBatch(const std::string& text, size_t lines);  // on the writer thread only
  void fail(const std::string& error);

  JournalSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Event> memory_;           // the newest, oldest first
  std::deque<std::string> pending_;    // lines for the file
  size_t in_flight_ = 0;               // lines the writer took and has not written yet
  std::map<std::string, uint64_t> counts_;
  std::atomic<uint64_t> seq_{0};
  bool stopping_ = false;
  std::thread writer_;
  // The writer's state (health() reads it under mutex_).
  Health health_;
  int fd_ = -1;
  uint64_t file_bytes_ = 0;
  bool regular_file_ = true;
  std::atomic<int64_t> write_started_ms_{0};  // 0: no write in progress
};

}  // namespace gtm::journal
