// The ring all-reduce cost formula against a hand-computed value.
#include <gtest/gtest.h>

#include "comm/collective_cost.h"

namespace pimscale {
namespace {

TEST(RingAllreduce, MatchesTheAlphaBetaGammaFormula) {
  NetworkSpec net;
  net.bandwidth_gbit_s = 25;
  net.latency_us = 15;
  net.reduce_gbps = 10;
  // p = 4, n = 1e6 B: 2*3*15 us = 90 us; 2*(3/4)*1e6*8/25e9 = 480 us; (3/4)*1e6/10e9 = 75 us.
  EXPECT_EQ(ring_allreduce_time(1000000, 4, net).value, 645000000);
  EXPECT_EQ(ring_allreduce_time(1000000, 1, net).value, 0);  // one server: no network
  // p = 2, n = 8 B: 2 * 15 us + 2 * (1/2) * 8 * 0.32 ns + (1/2) * 8 * 0.1 ns = 30 us + 2.56 ns + 0.4 ns.
  EXPECT_EQ(ring_allreduce_time(8, 2, net).value, 30000000 + 2560 + 400);
}

}  // namespace
}  // namespace pimscale
