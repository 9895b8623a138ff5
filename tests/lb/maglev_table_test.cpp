// Maglev tables: size, balance by weight, and how much moves when a real
// server fails and when it returns.
#include "lb/maglev_table.hpp"

#include <gtest/gtest.h>

#include <map>

namespace gtm::test {
namespace {

using lb::MaglevBackend;

std::map<int, size_t> counts(const std::vector<int>& table) {
  std::map<int, size_t> c;
  for (int b : table) ++c[b];
  return c;
}

TEST(MaglevTable, SizeIsAPrimeAboveHundredTimesTheWeight) {
  EXPECT_EQ(lb::maglevTableSize(1), 251u);
  EXPECT_EQ(lb::maglevTableSize(3), 307u);
  uint32_t m = lb::maglevTableSize(40);
  EXPECT_GT(m, 4000u);
  for (uint32_t d = 2; d * d <= m; ++d) EXPECT_NE(m % d, 0u) << m;
}

TEST(MaglevTable, SizeIsCappedWhateverTheWeights) {
  // 1,000 real servers of weight 1,000 would ask for 10^8 slots.
  EXPECT_EQ(lb::maglevTableSize(1000ull * 1000), lb::kMaxMaglevTableSize);
  EXPECT_EQ(lb::maglevTableSize(656), lb::kMaxMaglevTableSize);
  EXPECT_EQ(lb::maglevTableSize(655), 65519u);
  // Past the cap the weights are scaled: shares stay proportional, and a
  // light server still gets its slots after heavy ones.
  std::vector<MaglevBackend> b;
  for (int i = 0; i < 200; ++i) b.push_back({"198.18.2." + std::to_string(i), 1000});
  b.push_back({"198.18.3.1", 1});
  auto table = lb::buildMaglevTable(b, lb::kMaxMaglevTableSize);
  auto c = counts(table);
  EXPECT_EQ(c.count(-1), 0u);
  EXPECT_GE(c[200], 1u);
  for (int i = 0; i < 200; ++i) EXPECT_NEAR(c[i] / double(lb::kMaxMaglevTableSize), 1.0 / 200, 0.001) << i;
}

TEST(MaglevTable, BalancedByWeight) {
  std::vector<MaglevBackend> b{{"198.18.1.11", 1}, {"198.18.1.12", 1}, {"198.18.1.13", 2}};
  uint32_t m = lb::maglevTableSize(4);
  auto table = lb::buildMaglevTable(b, m);
  auto c = counts(table);
  EXPECT_EQ(c.count(-1), 0u);
  EXPECT_NEAR(c[0] / double(m), 0.25, 0.01);
  EXPECT_NEAR(c[1] / double(m), 0.25, 0.01);
  EXPECT_NEAR(c[2] / double(m), 0.50, 0.01);
  EXPECT_EQ(lb::buildMaglevTable({}, 251), std::vector<int>(251, -1));
}

TEST(MaglevTable, SameInputSameTable) {
  std::vector<MaglevBackend> b{{"198.18.1.11", 1}, {"198.18.1.12", 2}};
  EXPECT_EQ(lb::buildMaglevTable(b, 307), lb::buildMaglevTable(b, 307));
}

TEST(MaglevTable, FailureMovesOnlyTheFailedServersSlotsAndReturnExactlyThose) {
  std::vector<MaglevBackend> all;
  for (int i = 0; i < 10; ++i) all.push_back({"198.18.1." + std::to_string(10 + i), static_cast<uint32_t>(1 + i % 3)});
  uint32_t total = 0;
  for (const auto& b : all) total += b.weight;
  uint32_t m = lb::maglevTableSize(total);
  std::vector<bool> up(all.size(), true);
  auto before = lb::buildStableTable(all, up, m);
  up[3] = false;
  auto after = lb::buildStableTable(all, up, m);
  size_t owned = counts(before)[3];
  size_t moved = lb::changedSlots(before, all, after, all);
  EXPECT_EQ(moved, owned) << "only the failed server's slots move";
  EXPECT_EQ(counts(after).count(3), 0u);
  // Its slots spread over the others by weight, not onto one of them.
  auto spread = counts(after);
  for (int i = 0; i < 10; ++i) {
    if (i == 3) continue;
    EXPECT_GT(spread[i], counts(before)[i]) << "server " << i << " took none of the failed slots";
  }
  up[3] = true;
  auto back = lb::buildStableTable(all, up, m);
  EXPECT_EQ(back, before) << "its return takes back exactly its slots";
  // Two failures, then one returns: the clients of servers that stayed up
  // never move; only slots whose own server is one of the two do.
  up[3] = up[7] = false;
  auto two = lb::buildStableTable(all, up, m);
  up[7] = true;
  auto one = lb::buildStableTable(all, up, m);
  size_t outside = 0;
  for (size_t slot = 0; slot < m; ++slot)
    if (two[slot] != one[slot] && before[slot] != 3 && before[slot] != 7) ++outside;
  EXPECT_EQ(outside, 0u);
  std::printf("table %u slots: the failed server owned %zu, %zu moved on failure, %zu on return\n", m, owned, moved,
              lb::changedSlots(after, all, back, all));
  std::vector<bool> none(all.size(), false);
  EXPECT_EQ(lb::buildStableTable(all, none, m), std::vector<int>(m, -1));
}

}  // namespace
}  // namespace gtm::test
