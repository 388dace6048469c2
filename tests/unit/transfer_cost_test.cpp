// The host<->DPU transfer model against hand-computed times.
#include <gtest/gtest.h>

#include "pim_emul/transfer_cost.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

TEST(TransferCost, FullRankParallelRunsAtTheRankBandwidth) {
  // 64 DPUs x 1e6 bytes = 6.4e7 bytes at 6.68 GB/s = 9,580,838.32 ns, plus the 10 us call.
  EXPECT_EQ(transfer_time(Transfer::kParallelToDpu, 1000000, 64, test::transfer_spec(0.5)).value,
            9580838323 + 10000000);
}

TEST(TransferCost, PartialRankScalesWithActiveDpus) {
  // 4 DPUs: min(6.68, 4 x 0.33 = 1.32) GB/s; 4e6 bytes -> 3,030,303,030 ps + call.
  EXPECT_EQ(transfer_time(Transfer::kParallelToDpu, 1000000, 4, test::transfer_spec(0.5)).value,
            3030303030 + 10000000);
}

TEST(TransferCost, RanksAggregateSubLinearly) {
  // 4 full ranks, exponent 0.5: 16.88 * 4^0.5 = 33.76 GB/s for 256 x 1e6 bytes.
  EXPECT_EQ(transfer_time(Transfer::kBroadcastToDpu, 1000000, 256, test::transfer_spec(0.5)).value,
            7582938389 + 10000000);
}

TEST(TransferCost, SerialPaysOneCallPerDpu) {
  // 3 x (10 us + 1e6 B / 0.12 GB/s = 8,333,333,333 ps).
  EXPECT_EQ(transfer_time(Transfer::kSerialFromDpu, 1000000, 3, test::transfer_spec(0.5)).value,
            3 * (8333333333 + 10000000));
}

TEST(TransferCost, NothingMovedCostsNothing) {
  EXPECT_EQ(transfer_time(Transfer::kParallelFromDpu, 0, 64, test::transfer_spec(0.5)).value, 0);
  EXPECT_EQ(launch_time(test::transfer_spec(0.5)).value, 20000000);
}

}  // namespace
}  // namespace pimscale
