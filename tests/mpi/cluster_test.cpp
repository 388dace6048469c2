// comm/ over real MPI at whatever rank count mpiexec gives: exact sums, meeting clocks, agreed
// errors.
#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <vector>

#include "comm/calibration.h"
#include "comm/cluster.h"
#include "comm/collective_cost.h"
#include "src/commands/collective_step.h"

namespace pimscale {
namespace {

Cluster world() { return Cluster(boost::mpi::communicator()); }

NetworkSpec net() {
  NetworkSpec n;
  n.bandwidth_gbit_s = 25;
  n.latency_us = 15;
  n.reduce_gbps = 10;
  return n;
}

TEST(Cluster, AllreduceSumsInt64Exactly) {
  Cluster c = world();
  const int64_t p = c.size(), r = c.rank();
  // Values near 2^50 whose sum a double could not hold exactly.
  std::vector<int64_t> v = {(int64_t{1} << 50) + r, -r * 3, r * r};
  c.allreduce_sum<int64_t>(v, {}, net());
  EXPECT_EQ(v[0], p * (int64_t{1} << 50) + p * (p - 1) / 2);
  EXPECT_EQ(v[1], -3 * p * (p - 1) / 2);
  EXPECT_EQ(v[2], (p - 1) * p * (2 * p - 1) / 6);
}

TEST(Cluster, ClocksMeetAtTheSlowestServer) {
  Cluster c = world();
  // Server r arrives at r microseconds; the collective starts when the last, server p-1, arrives.
  std::vector<int64_t> v = {1};
  const CollectiveTime t = c.allreduce_sum<int64_t>(v, Picoseconds{c.rank() * 1000000}, net());
  EXPECT_EQ(t.wait.value, (c.size() - 1 - c.rank()) * int64_t{1000000});
  EXPECT_EQ(t.network, allreduce_time(8, c.size(), net()));
}

TEST(Cluster, AgreedErrorIsTheLowestFailingRanks) {
  Cluster c = world();
  const std::optional<std::string> mine =
      c.rank() >= 1 ? std::optional<std::string>("failed on rank " + std::to_string(c.rank()))
                    : std::nullopt;
  const auto agreed = c.agree_on_error(mine);
  if (c.size() == 1) {
    EXPECT_FALSE(agreed.has_value());
  } else {
    ASSERT_TRUE(agreed.has_value());
    EXPECT_EQ(*agreed, "failed on rank 1");
  }
}

TEST(CollectiveStep, AnErrorOnTheLastRankStopsEveryRank) {
  Cluster c = world();
  const int last = c.size() - 1;
  try {
    collective_step(c, [&] {
      if (c.rank() == last) throw InputError("bad rows on rank " + std::to_string(last));
    });
    FAIL() << "every rank must throw";
  } catch (const CollectiveError& e) {
    EXPECT_EQ(std::string(e.what()), "bad rows on rank " + std::to_string(last));
  }
}

TEST(Cluster, GatherKeepsRankOrder) {
  Cluster c = world();
  std::vector<double> mine(static_cast<size_t>(c.rank()) + 1, static_cast<double>(c.rank()));
  const std::vector<double> all = c.gather_to_root(mine);
  if (c.rank() != 0) {
    EXPECT_TRUE(all.empty());
    return;
  }
  std::vector<double> expect;
  for (int r = 0; r < c.size(); ++r) expect.insert(expect.end(), static_cast<size_t>(r) + 1, r);
  EXPECT_EQ(all, expect);
}

// Rank r's bytes: r + 1 copies of the character 'a' + r (each rank a different length).
std::vector<char> bytes_of(int r) {
  return std::vector<char>(static_cast<size_t>(r) + 1, static_cast<char>('a' + r));
}

TEST(Cluster, BytesGatheredInTurnArriveInRankOrder) {
  Cluster c = world();
  std::vector<int> order;
  c.gather_bytes_in_turn(bytes_of(c.rank()), [&](int r, std::vector<char>&& b) {
    order.push_back(r);
    EXPECT_EQ(b, bytes_of(r));
  });
  std::vector<int> expected;
  if (c.rank() == 0) {
    for (int r = 0; r < c.size(); ++r) expected.push_back(r);
  }
  EXPECT_EQ(order, expected);
}

TEST(Cluster, AFailedTakeStillReceivesEveryRank) {
  // Rank 0 fails on its own bytes: the others must still be received (else they would wait).
  Cluster c = world();
  bool threw = false;
  try {
    c.gather_bytes_in_turn(bytes_of(c.rank()),
                           [](int, std::vector<char>&&) { throw IoError("disk full"); });
  } catch (const IoError&) {
    threw = true;
  }
  EXPECT_EQ(threw, c.rank() == 0);
  EXPECT_EQ(c.sum(1), c.size());  // every rank is here: none hangs
}

TEST(Cluster, BytesScatteredInTurnReachTheirRank) {
  Cluster c = world();
  EXPECT_EQ(c.scatter_bytes_in_turn(bytes_of), bytes_of(c.rank()));
  // A failure on rank 0 while giving rank 1's bytes: rank 1 and later get none, and go on.
  bool threw = false;
  std::vector<char> got;
  try {
    got = c.scatter_bytes_in_turn([](int r) {
      if (r >= 1) throw IoError("unreadable");
      return bytes_of(r);
    });
  } catch (const IoError&) {
    threw = true;
  }
  EXPECT_EQ(threw, c.rank() == 0 && c.size() > 1);
  if (c.rank() > 0) {
    EXPECT_TRUE(got.empty());
  }
  EXPECT_EQ(c.broadcast_from_root(c.rank() == 0 ? "from rank 0" : "mine"), "from rank 0");
}

TEST(FirstRanks, HoldsTheFirstKRanksInOrder) {
  const Cluster cluster = world();
  for (int k = 1; k <= cluster.size(); ++k) {
    const FirstRanks group(cluster.mpi_comm(), k);
    EXPECT_EQ(group.member(), cluster.rank() < k) << "k = " << k;
    if (!group.member()) continue;
    int size = 0, rank = 0;
    MPI_Comm_size(group.comm(), &size);
    MPI_Comm_rank(group.comm(), &rank);
    EXPECT_EQ(size, k);
    EXPECT_EQ(rank, cluster.rank());
  }
}

TEST(ScheduleReplay, EveryScheduleCompletesOnTheFirstKRanks) {
  // Each schedule's sends and receives pair up at every rank count (a mismatch would hang or
  // abort): replayed on the first k ranks while the others wait.
  const Cluster cluster = world();
  const NetworkSpec shape = net();
  for (int k = 2; k <= cluster.size(); ++k) {
    const FirstRanks group(cluster.mpi_comm(), k);
    if (group.member()) {
      ScheduleReplay replay(group.comm());
      for (auto [c, a] : {std::pair{Collective::kAllreduce, CollectiveAlgorithm::kRing},
                          {Collective::kAllreduce, CollectiveAlgorithm::kRecursiveDoubling},
                          {Collective::kAllreduce, CollectiveAlgorithm::kRabenseifner},
                          {Collective::kReduceScatter, CollectiveAlgorithm::kRecursiveHalving},
                          {Collective::kAllgather, CollectiveAlgorithm::kRing},
                          {Collective::kBroadcast, CollectiveAlgorithm::kBinomial}}) {
        EXPECT_GE(replay.run(schedule(c, a, 1000, k, shape)), 0.0);
      }
    }
    MPI_Barrier(cluster.mpi_comm());
  }
}

}  // namespace
}  // namespace pimscale
