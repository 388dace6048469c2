// The DPU cost model on counts whose cycles can be worked out by hand.
#include <gtest/gtest.h>

#include "pim_emul/dpu_cost.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

TEST(DpuCost, OneTaskletIssuesEveryElevenCycles) {
  DpuCounts c;
  c.tasklet[0].add(Op::kAlu, 100);
  EXPECT_DOUBLE_EQ(dpu_time(c, 1, test::cost_dpu()).compute_cycles, 1100);  // IPC = 1/11
}

TEST(DpuCost, SixteenBalancedTaskletsFillThePipeline) {
  DpuCounts c;
  for (int t = 0; t < 16; ++t) c.tasklet[t].add(Op::kAlu, 100);
  // max(sum = 1600, 11 * 100 = 1100): IPC = 1.
  EXPECT_DOUBLE_EQ(dpu_time(c, 16, test::cost_dpu()).compute_cycles, 1600);
}

TEST(DpuCost, CriticalTaskletBoundsAnImbalancedKernel) {
  DpuCounts c;
  c.tasklet[0].add(Op::kAlu, 1000);
  for (int t = 1; t < 16; ++t) c.tasklet[t].add(Op::kAlu, 10);
  // sum = 1150 but tasklet 0 alone needs 11 * 1000 cycles.
  EXPECT_DOUBLE_EQ(dpu_time(c, 16, test::cost_dpu()).compute_cycles, 11000);
}

TEST(DpuCost, RoutinesCostTheirInstructionCount) {
  DpuCounts c;
  c.tasklet[0].add(Op::kInt64Mul, 2);
  EXPECT_DOUBLE_EQ(tasklet_instructions(c.tasklet[0], test::cost_dpu()), 260);
}

TEST(DpuCost, DmaIsAlphaPlusBetaBytesPerCallAndSerialises) {
  const DpuSpec d = test::cost_dpu();
  DpuCounts c;
  count_mram_read(c.tasklet[0], 8, d);      // 77 + 4
  count_mram_write(c.tasklet[1], 3000, d);  // 2 calls (2048 + 952), 3000 bytes: 2 * 61 + 1500
  const DpuTime t = dpu_time(c, 16, d);
  EXPECT_DOUBLE_EQ(t.dma_cycles, 81 + 122 + 1500);
  // 1703 cycles at 350 MHz = 4865.714... ns, rounded to the picosecond.
  EXPECT_EQ(t.dma.value, 4865714);
}

TEST(DpuCost, DmaRoundsUpToTheEightByteGrain) {
  const DpuSpec d = test::cost_dpu();
  TaskletCounts t;
  count_mram_read(t, 12, d, 3);
  EXPECT_EQ(t.dma_read_calls, 3u);
  EXPECT_EQ(t.dma_read_bytes, 48u);
}

// A preset may give DMA sizes that are not powers of two (the shift every shipped preset takes is
// only a shortcut): ceil(1000 / 300) = 4 calls, ceil(1000 / 12) x 12 = 1,008 bytes.
TEST(DpuCost, DmaSizesNeedNotBePowersOfTwo) {
  DpuSpec d = test::cost_dpu();
  d.dma_max_bytes = 300;
  d.dma_min_bytes = 12;
  TaskletCounts t;
  count_mram_write(t, 1000, d, 2);
  EXPECT_EQ(t.dma_write_calls, 8u);
  EXPECT_EQ(t.dma_write_bytes, 2016u);
}

TEST(DpuCost, SerialWorkRunsAtOneTwelfthOfThePipelineWhileOthersWait) {
  DpuCounts c;
  for (int t = 0; t < 16; ++t) c.tasklet[t].add(Op::kAlu, 100);
  c.serial.add(Op::kAlu, 10);
  // Parallel part 1600 cycles, then tasklet 0 alone: 11 * 10.
  EXPECT_DOUBLE_EQ(dpu_time(c, 16, test::cost_dpu()).compute_cycles, 1600 + 110);
}

TEST(DpuCost, BarriersCostInstructionsOnEveryTasklet) {
  DpuSpec d = test::cost_dpu();
  d.barrier_instructions = 12;
  DpuCounts c;
  for (int t = 0; t < 16; ++t) c.tasklet[t].barriers = 5;
  EXPECT_DOUBLE_EQ(dpu_time(c, 16, d).compute_cycles, 16 * 5 * 12);
}

TEST(DpuCost, DmaHidesBehindComputeOnlyWithTwoOrMoreTasklets) {
  DpuSpec d = test::cost_dpu();
  d.dma_overlap = 1.0;
  DpuCounts c;
  for (int t = 0; t < 16; ++t) {
    c.tasklet[t].add(Op::kAlu, 100);      // 1600 cycles in all
    count_mram_read(c.tasklet[t], 8, d);  // 81 cycles each, 1296 in all
  }
  DpuTime t = dpu_time(c, 16, d);
  EXPECT_DOUBLE_EQ(t.dma_cycles, 1296);
  EXPECT_DOUBLE_EQ(t.exposed_dma_cycles, 0);  // hidden: 1296 < 1600

  d.dma_overlap = 0.5;  // half of compute can hide DMA: 1296 - 800 exposed
  EXPECT_DOUBLE_EQ(dpu_time(c, 16, d).exposed_dma_cycles, 496);

  d.dma_overlap = 1.0;
  c.serial.dma_read_calls = 1;  // tasklet 0 alone: never hidden
  c.serial.dma_read_bytes = 8;
  EXPECT_DOUBLE_EQ(dpu_time(c, 16, d).exposed_dma_cycles, 81);

  DpuCounts one;
  one.tasklet[0].add(Op::kAlu, 100);
  count_mram_read(one.tasklet[0], 8, d);
  t = dpu_time(one, 1, d);  // a single tasklet waits for its own DMA
  EXPECT_DOUBLE_EQ(t.compute_cycles + t.exposed_dma_cycles, 1100 + 81);
}

}  // namespace
}  // namespace pimscale
