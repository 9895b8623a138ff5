// The state machine of one check (an endpoint address under one monitor):
// while Checking (no verdict yet) or Online, `tolerated_failures`
// consecutive failures are tolerated and the next one marks it Degraded, so
// one lost probe after a start or a restart never takes a server out; the
// first success makes a Checking one Online; while Degraded, `rise`
// consecutive successes bring it back. Traffic Manager's tolerated
// failures, with gdnsd's rise against flapping.
#pragma once

#include "policy/health.hpp"

namespace gtm::monitor {

class HealthCounter {
 public:
  HealthCounter(unsigned tolerated_failures, unsigned rise) : tolerated_(tolerated_failures), rise_(rise) {}

  // Records one probe result; true when the state changed.
  bool record(bool success) {
    policy::Health before = state_;
    if (success) {
      failures_ = 0;
      ++successes_;
      if (state_ == policy::Health::checking || (state_ == policy::Health::degraded && successes_ >= rise_))
        state_ = policy::Health::online;
    } else {
      successes_ = 0;
      ++failures_;
      if ((state_ == policy::Health::checking || state_ == policy::Health::online) && failures_ > tolerated_)
        state_ = policy::Health::degraded;
    }
    return state_ != before;
  }

  [[nodiscard]] policy::Health state() const { return state_; }

 private:
  unsigned tolerated_;
  unsigned rise_;
  unsigned failures_ = 0;
  unsigned successes_ = 0;
  policy::Health state_ = policy::Health::checking;
};

}  // namespace gtm::monitor
