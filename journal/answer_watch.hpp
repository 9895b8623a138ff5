// Watches what each profile answers (every 200 ms, off the query path) and
// records each change as an "answer" event: from which addresses to which,
// and the headline that says why. This is the failover event. It also
// keeps, per profile, since when the answer is what it is, and counts
// failovers (gtm_profile_failovers_total).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/periodic_thread.hpp"
#include "dns/snapshot.hpp"
#include "journal/event_journal.hpp"
#include "journal/headline.hpp"

namespace gtm::journal {

class AnswerWatch {
 public:
  // `reasons` makes a WhyUnavailable from the state now (once per look
  // that found a change, and per headlines()).
  AnswerWatch(std::function<std::shared_ptr<const dns::Snapshot>()> snapshot,
              std::function<WhyUnavailable()> reasons, EventJournal& journal);
  ~AnswerWatch();
  void start();
  void stop();
  // One look now (the thread does it every 200 ms; tests call it).
  void check();

  // Every profile's headline now, with its reasons and since when.
  [[nodiscard]] std::vector<Headline> headlines() const;
  [[nodiscard]] std::map<std::string, uint64_t> failovers() const;

 private:
  struct Seen {
    Level level = Level::ok;
    std::vector<std::string> serving;
    std::string answer;
    int64_t since_ms = 0;
  };
  std::function<std::shared_ptr<const dns::Snapshot>()> snapshot_;
  std::function<WhyUnavailable()> reasons_;
  EventJournal& journal_;
  mutable std::mutex mutex_;
  std::map<std::string, Seen> seen_;
  std::map<std::string, uint64_t> failovers_;
  PeriodicThread thread_;  // last: stopped before the rest goes
};

}  // namespace gtm::journal
