// The agreement rules, table-driven: ties, nodes without a verdict, Full.
#include "cluster/agreement.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace gtm::test {
namespace {

using cluster::Agreement;
using policy::Health;
constexpr Health O = Health::online, D = Health::degraded, C = Health::checking, F = Health::full;

TEST(Agreement, Table) {
  struct Case {
    Agreement mode;
    Health own;
    std::vector<Health> others;
    Health want;
  } cases[] = {
      // majority: one node with a bad uplink does not move the others.
      {Agreement::majority, D, {O, O}, O},
      {Agreement::majority, O, {D, D}, D},
      {Agreement::majority, D, {D, O}, D},
      {Agreement::majority, D, {O}, O},        // a tie keeps it up
      {Agreement::majority, D, {O, D, O}, O},  // 2 of 4: a tie
      {Agreement::majority, D, {}, D},         // alone: its own view
      {Agreement::majority, D, {C, C}, D},     // nodes still checking have no verdict
      {Agreement::majority, C, {C}, C},
      {Agreement::majority, C, {D, O, D}, D},
      // all: Degraded only when every node with a verdict says so.
      {Agreement::all, D, {D, O}, O},
      {Agreement::all, D, {D, C}, D},
      // any: one is enough.
      {Agreement::any, O, {O, D}, D},
      {Agreement::any, O, {O, C}, O},
      // local: only this node's view.
      {Agreement::local, D, {O, O}, D},
      {Agreement::local, O, {D, D}, O},
      // Full (out of ports) takes no new clients: it votes out as Degraded
      // does; out is Full when most of those votes say Full.
      {Agreement::majority, F, {F}, F},  // two nodes both see an RRAS out of ports
      {Agreement::majority, F, {F, O}, F},
      {Agreement::majority, F, {O}, O},  // a tie keeps it up
      {Agreement::majority, F, {O, O}, O},
      {Agreement::majority, F, {D, D}, D},
      {Agreement::majority, F, {D, O}, D},  // out by two votes, one Full: Degraded
      {Agreement::majority, F, {F, D}, F},
      {Agreement::all, F, {D}, D},
      {Agreement::all, F, {F, O}, O},
      {Agreement::any, O, {F, O}, F},
      {Agreement::any, F, {D}, D},
      {Agreement::majority, F, {}, F},  // alone: its own view
  };
  for (const Case& c : cases) {
    EXPECT_EQ(cluster::agree(c.mode, c.own, c.others), c.want)
        << cluster::agreementName(c.mode) << " own " << policy::healthName(c.own) << " others " << c.others.size();
  }
}

}  // namespace
}  // namespace gtm::test
