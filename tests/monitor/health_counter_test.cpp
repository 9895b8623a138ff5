#include "monitor/health_counter.hpp"

#include <gtest/gtest.h>

namespace gtm::test {
namespace {

using policy::Health;

// Feeds a string of results ('+' success, '-' failure) and returns the
// state after each.
std::string run(unsigned tolerated, unsigned rise, const std::string& results) {
  monitor::HealthCounter c(tolerated, rise);
  std::string out;
  for (char r : results) {
    c.record(r == '+');
    out += c.state() == Health::online ? 'O' : c.state() == Health::degraded ? 'D' : 'C';
  }
  return out;
}

TEST(HealthCounter, FirstSuccessDecidesFailuresAreToleratedFromTheStart) {
  EXPECT_EQ(run(2, 2, "+"), "O");
  // From the very first probe, as later: tolerated_failures + 1 in a row.
  EXPECT_EQ(run(2, 2, "---"), "CCD");
  EXPECT_EQ(run(0, 2, "-"), "D");
  EXPECT_EQ(run(1, 1, "-+--"), "COOD");
}

TEST(HealthCounter, ToleratedFailuresThenDegraded) {
  // tolerated_failures = 2: the third consecutive failure marks it Degraded.
  EXPECT_EQ(run(2, 1, "+---"), "OOOD");
  // A success in between resets the count.
  EXPECT_EQ(run(2, 1, "+--+--"), "OOOOOO");
  EXPECT_EQ(run(0, 1, "+-"), "OD");
}

TEST(HealthCounter, RiseConsecutiveSuccessesToReturn) {
  EXPECT_EQ(run(0, 2, "+-++"), "ODDO");
  // A failure restarts the count.
  EXPECT_EQ(run(0, 3, "+-++-+++"), "ODDDDDDO");
}

TEST(HealthCounter, ReportsChangesOnly) {
  monitor::HealthCounter c(1, 1);
  EXPECT_TRUE(c.record(true));    // Checking -> Online
  EXPECT_FALSE(c.record(true));
  EXPECT_FALSE(c.record(false));  // tolerated
  EXPECT_TRUE(c.record(false));   // -> Degraded
  EXPECT_FALSE(c.record(false));
  EXPECT_TRUE(c.record(true));    // -> Online
}

}  // namespace
}  // namespace gtm::test
