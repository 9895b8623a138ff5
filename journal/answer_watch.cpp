#include "journal/answer_watch.hpp"

namespace gtm::journal {

AnswerWatch::AnswerWatch(std::function<std::shared_ptr<const dns::Snapshot>()> snapshot,
                         std::function<WhyUnavailable()> reasons, EventJournal& journal)
    : snapshot_(std::move(snapshot)), reasons_(std::move(reasons)), journal_(journal) {}

AnswerWatch::~AnswerWatch() { stop(); }

void AnswerWatch::start() {
  check();
  thread_.start(std::chrono::milliseconds(200), [this] { check(); });
}

void AnswerWatch::stop() { thread_.stop(); }

void AnswerWatch::check() {
  auto snap = snapshot_();
  if (!snap) return;
  const int64_t now_ms = nowMillis();
  std::map<std::string, Seen> next;
  std::vector<Event> events;
  WhyUnavailable why;  // made at the first change
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < snap->profiles.size(); ++i) {
      // Without reasons first (they cost a look at every check): only a
      // change needs them.
      Headline h = describeProfile(*snap, i, {});
      Seen now{h.level, h.serving, h.answer, now_ms};
      auto old = seen_.find(h.profile);
      if (old == seen_.end()) {
        // First sight (a start, or a profile a reload added): since when
        // the journal says this answer began, when it says so.
        EventFilter f;
        f.profile = h.profile;
        f.types = {"answer"};
        f.limit = 1;
        auto last = journal_.query(f);
        if (!last.empty() && last.back().to == h.answer) now.since_ms = last.back().time_ms;
        else if (!last.empty()) old = seen_.emplace(h.profile, Seen{Level::ok, {}, last.back().to, 0}).first;
      }
      // A change of the addresses, or into or out of failover: not an
      // endpoint that went down or came back without changing the answer
      // (its own endpoint event says that).
      auto kind = [](Level l) { return l == Level::notice ? Level::ok : l; };
      if (old != seen_.end() && (old->second.answer != now.answer || kind(old->second.level) != kind(now.level) ||
                                 old->second.serving != now.serving)) {
        if (!why && reasons_) why = reasons_();
        Headline full = describeProfile(*snap, i, why);
        Event e;
        e.type = "answer";
        e.profile = h.profile;
        e.from = old->second.answer;
        e.to = now.answer;
        e.action = levelName(h.level);
        e.reason = headlineText(full, now_ms);
        events.push_back(std::move(e));
        if (h.level == Level::failed_over || h.level == Level::fail_open || h.level == Level::fail_closed)
          ++failovers_[h.profile];
      } else if (old != seen_.end()) {
        now.since_ms = old->second.since_ms;
      }
      next.emplace(h.profile, std::move(now));
    }
    seen_ = std::move(next);
  }
  for (Event& e : events) journal_.add(std::move(e));
}

std::vector<Headline> AnswerWatch::headlines() const {
  auto snap = snapshot_();
  std::vector<Headline> out;
  if (!snap) return out;
  std::map<std::string, int64_t> since;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, seen] : seen_) since[name] = seen.since_ms;
  }
  WhyUnavailable why = reasons_ ? reasons_() : WhyUnavailable{};
  for (size_t i = 0; i < snap->profiles.size(); ++i) {
    Headline h = describeProfile(*snap, i, why);
    if (auto it = since.find(h.profile); it != since.end()) h.since_ms = it->second;
    out.push_back(std::move(h));
  }
  return out;
}

std::map<std::string, uint64_t> AnswerWatch::failovers() const {
  std::lock_guard lock(mutex_);
  return failovers_;
}

}  // namespace gtm::journal
