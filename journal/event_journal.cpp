#include "journal/event_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/log.hpp"

namespace gtm::journal {

EventJournal::EventJournal(JournalSettings settings) : settings_(std::move(settings)) {
  health_.path = settings_.path;
}

EventJournal::~EventJournal() { stop(); }

void EventJournal::start() {
  if (settings_.path.empty()) return;
  readBack();
  writer_ = std::thread([this] { writerLoop(); });
}

void EventJournal::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void EventJournal::readBack() {
  readFile(settings_.path + ".1");
  readFile(settings_.path);
  std::lock_guard lock(mutex_);
  health_.read_back = memory_.size();
  if (health_.corrupt_lines > 0)
    log::warn("event journal: lines that did not parse were skipped",
              {{"file", settings_.path}, {"lines", std::to_string(health_.corrupt_lines)}});
}

void EventJournal::readFile(const std::string& path) {
  // Only a regular file is read back: a FIFO would wait for a writer, a
  // device like /dev/full never end.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) fail("cannot read " + path + ": " + std::strerror(errno));
    return;
  }
  if (!S_ISREG(st.st_mode)) return;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno != ENOENT) fail("cannot read " + path + ": " + std::strerror(errno));
    return;
  }
  std::string line;
  uint64_t corrupt = 0;
  std::deque<Event> read;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto e = parseEventLine(line);
    if (!e) {
      ++corrupt;
      continue;
    }
    e->seq = ++seq_;
    read.push_back(std::move(*e));
    if (read.size() > kMemoryEvents) read.pop_front();
  }
  std::lock_guard lock(mutex_);
  health_.corrupt_lines += corrupt;
  for (Event& e : read) {
    memory_.push_back(std::move(e));
    if (memory_.size() > kMemoryEvents) memory_.pop_front();
  }
}

uint64_t EventJournal::add(Event e) {
  if (e.time_ms == 0) e.time_ms = nowMillis();
  if (e.node.empty()) e.node = settings_.node;
  std::string line = settings_.path.empty() ? std::string() : eventLine(e) + "\n";
  std::lock_guard lock(mutex_);
  e.seq = ++seq_;
  uint64_t seq = e.seq;
  ++counts_[e.type];
  if (!settings_.path.empty()) {
    pending_.push_back(std::move(line));
    if (pending_.size() > kMaxPending) {
      pending_.pop_front();
      ++health_.dropped;
    }
  }
  memory_.push_back(std::move(e));
  if (memory_.size() > kMemoryEvents) memory_.pop_front();
  wake_.notify_one();
  return seq;
}

std::vector<Event> EventJournal::query(const EventFilter& filter) const {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  for (auto it = memory_.rbegin(); it != memory_.rend() && out.size() < filter.limit; ++it)
    if (filter.matches(*it)) out.push_back(*it);
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<Event> EventJournal::after(uint64_t seq, size_t max) const {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  // Sequence numbers rise along memory_: find the first after `seq` from the end.
  auto it = memory_.end();
  while (it != memory_.begin() && std::prev(it)->seq > seq) --it;
  for (; it != memory_.end() && out.size() < max; ++it) out.push_back(*it);
  return out;
}

int64_t EventJournal::oldestMillis() const {
  std::lock_guard lock(mutex_);
  return memory_.empty() ? 0 : memory_.front().time_ms;
}

EventJournal::Health EventJournal::health() const {
  std::lock_guard lock(mutex_);
  Health h = health_;
  h.pending = pending_.size() + in_flight_;
  if (int64_t started = write_started_ms_.load(); started != 0) {
    h.stalled_seconds = static_cast<double>(nowMillis() - started) / 1000.0;
    if (h.stalled_seconds >= 5) {
      h.ok = false;
      h.error = "a write to " + settings_.path + " has not returned for " +
                std::to_string(static_cast<int>(h.stalled_seconds)) + " s";
    }
  }
  return h;
}

std::map<std::string, uint64_t> EventJournal::countsByType() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void EventJournal::fail(const std::string& error) {
  bool first;
  {
    std::lock_guard lock(mutex_);
    first = health_.ok || health_.error != error;
    health_.ok = false;
    health_.error = error;
  }
  if (first) log::error("event journal: " + error + " (events are kept in memory and written when it works again)");
}

void EventJournal::writerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) {
      if (stopping_) return;
      continue;
    }
    // Events come in bursts (a failover is several): one write and one
    // fsync for what arrives within 100 ms.
    if (!stopping_) wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; });
    // At most half the file's bound (and 1 MiB) a write, so that rotating
    // before a write keeps every file within event_log_max.
    const size_t most = std::max<size_t>(1, std::min<uint64_t>(1 << 20, settings_.max_bytes / 2));
    std::vector<std::string> batch;
    std::string text;
    while (!pending_.empty() && (batch.empty() || text.size() + pending_.front().size() <= most)) {
      text += pending_.front();
      batch.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    in_flight_ = batch.size();
    lock.unlock();
    bool ok = writeBatch(text, batch.size());
    lock.lock();
    in_flight_ = 0;
    if (ok) continue;
    // Kept for the next try, newest dropped first past the bound.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) pending_.push_front(std::move(*it));
    while (pending_.size() > kMaxPending) {
      pending_.pop_front();
      ++health_.dropped;
    }
    if (stopping_) return;
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
    if (stopping_) return;
  }
}

bool EventJournal::writeBatch(const std::string& text, size_t lines) {
  const std::string& path = settings_.path;
  auto open = [&] {
    // O_NONBLOCK: a FIFO without a reader fails at once instead of waiting
    // (no effect on a regular file).
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0640);
    if (fd_ < 0) return false;
    struct stat st {};
    if (::fstat(fd_, &st) == 0) {
      regular_file_ = S_ISREG(st.st_mode);
      file_bytes_ = regular_file_ ? static_cast<uint64_t>(st.st_size) : 0;
    }
    return true;
  };
  if (fd_ < 0 && !open()) {
    fail("cannot open " + path + ": " + std::strerror(errno));
    return false;
  }
  if (regular_file_ && file_bytes_ > 0 && file_bytes_ + text.size() > settings_.max_bytes) {
    ::close(fd_);
    fd_ = -1;
    if (::rename(path.c_str(), (path + ".1").c_str()) != 0) {
      fail("cannot rotate " + path + " to " + path + ".1: " + std::strerror(errno));
      return false;
    }
    if (!open()) {
      fail("cannot open " + path + ": " + std::strerror(errno));
      return false;
    }
  }
  write_started_ms_ = nowMillis();
  size_t done = 0;
  int error = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : ENOSPC;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (!error && regular_file_ && ::fdatasync(fd_) != 0) error = errno;
  write_started_ms_ = 0;
  if (error) {
    // A regular file is cut back to whole lines; the batch is written again.
    if (regular_file_ && ::ftruncate(fd_, static_cast<off_t>(file_bytes_)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (!regular_file_) {  // a pipe took part of a line: start clean next time
      ::close(fd_);
      fd_ = -1;
    }
    fail(std::string("cannot write ") + path + ": " +
         (error == EAGAIN ? "it takes nothing more (a FIFO nobody reads?)" : std::strerror(error)));
    return false;
  }
  file_bytes_ += text.size();
  std::lock_guard lock(mutex_);
  if (!health_.ok) log::info("event journal: writing again", {{"file", path}});
  health_.ok = true;
  health_.error.clear();
  health_.written += lines;
  return true;
}

}  // namespace gtm::journal
