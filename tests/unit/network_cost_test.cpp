// Collective cost models against hand-computed alpha-beta-gamma values (performance-modeling.md's
// table), the topologies' path latency and link sharing, and the automatic choice's switch points.
#include <gtest/gtest.h>

#include "comm/calibration.h"
#include "comm/collective_cost.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

using A = CollectiveAlgorithm;
using C = Collective;

// alpha = 15 us, beta = 8 / 25e9 s/B = 0.32 ns/B, gamma = 1 / 10e9 s/B = 0.1 ns/B, 1 us per extra
// hop.
constexpr int64_t kUs = 1000000;  // picoseconds

int64_t t(C c, A a, uint64_t n, int64_t p, const NetworkSpec& net) {
  return collective_time(c, a, n, p, net).value;
}

TEST(CollectiveCost, StarMatchesTheTextbookFormulas) {
  const NetworkSpec net = test::star_network();
  // n = 1e6 B: n beta = 320 us, n gamma = 100 us.
  // Ring: 2(p-1) alpha + 2 (p-1)/p n beta + (p-1)/p n gamma = 90 + 480 + 75 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRing, 1000000, 4, net), 645 * kUs);
  // Recursive doubling: lg p (alpha + n beta + n gamma) = 2 x 435 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRecursiveDoubling, 1000000, 4, net), 870 * kUs);
  // Rabenseifner: 2 lg p alpha + 2 (p-1)/p n beta + (p-1)/p n gamma = 60 + 480 + 75 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRabenseifner, 1000000, 4, net), 615 * kUs);
  // Reduce-scatter by recursive halving: lg p alpha + (p-1)/p n (beta + gamma) = 30 + 315 us.
  EXPECT_EQ(t(C::kReduceScatter, A::kRecursiveHalving, 1000000, 4, net), 345 * kUs);
  // All-gather by ring: (p-1) alpha + (p-1)/p n beta = 45 + 240 us.
  EXPECT_EQ(t(C::kAllgather, A::kRing, 1000000, 4, net), 285 * kUs);
  // Binomial broadcast: ceil(lg p) (alpha + n beta): 2 x 335 us at p = 4, 3 x 335 us at p = 5.
  EXPECT_EQ(t(C::kBroadcast, A::kBinomial, 1000000, 4, net), 670 * kUs);
  EXPECT_EQ(t(C::kBroadcast, A::kBinomial, 1000000, 5, net), 1005 * kUs);
  // One server: no network.
  for (A a : {A::kRing, A::kRecursiveDoubling, A::kRabenseifner, A::kHierarchical, A::kAuto}) {
    EXPECT_EQ(t(C::kAllreduce, a, 1000000, 1, net), 0);
  }
  // p = 2, n = 8 B, ring: 2 x 15 us + 2 x (1/2) x 8 x 0.32 ns + (1/2) x 8 x 0.1 ns.
  EXPECT_EQ(t(C::kAllreduce, A::kRing, 8, 2, net), 30 * kUs + 2560 + 400);
}

TEST(CollectiveCost, NonPowerOfTwoFoldsAsMpich) {
  // p = 6 -> p' = 4: one step of n there and back around the recursive doubling core:
  // (alpha + n beta + n gamma) + 2 x 435 us + (alpha + n beta) = 435 + 870 + 335 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRecursiveDoubling, 1000000, 6, test::star_network()), 1640 * kUs);
  // Rabenseifner at p = 6: 435 (fold) + 615 (core on 4) + 335 (back) us.
  EXPECT_EQ(t(C::kAllreduce, A::kRabenseifner, 1000000, 6, test::star_network()), 1385 * kUs);
}

TEST(CollectiveCost, FatTreeChargesSpineHopsAndOversubscribedUplinks) {
  NetworkSpec net = test::star_network();
  net.topology = Topology::kFatTree;
  net.servers_per_leaf = 4;
  net.oversubscription = 2;
  // Recursive doubling over 8 servers on two leaves: distances 1 and 2 stay in a leaf (435 us
  // each); distance 4 crosses: alpha + 2 hops = 17 us, every server of a leaf sends up, and 4 flows
  // share uplinks of 4/2 links: n beta x 2 = 640 us, plus n gamma = 100 us -> 757 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRecursiveDoubling, 1000000, 8, net), (2 * 435 + 757) * kUs);
  // Ring: every one of the 14 steps has one flow per leaf crossing (3 -> 4, 7 -> 0): 2 extra hops
  // each, no sharing: 14 x 17 us + 14 x (n/8) beta (40 us) + 7 x (n/8) gamma (12.5 us) = 238 + 560
  // + 87.5 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRing, 1000000, 8, net), 885500000);
  // Hierarchical: binomial reduce in each leaf (2 x 435 us), Rabenseifner across the 2 leaders
  // (ranks 0 and 4: halving n/2 = 17 + 160 + 50 us, gather n/2 = 17 + 160 us), binomial broadcast
  // (2 x 335 us).
  EXPECT_EQ(t(C::kAllreduce, A::kHierarchical, 1000000, 8, net), (870 + 227 + 177 + 670) * kUs);
  // Inside one leaf a fat tree is a star.
  EXPECT_EQ(t(C::kAllreduce, A::kRecursiveDoubling, 1000000, 4, net), 870 * kUs);
}

TEST(CollectiveCost, RingTopologyForwardsAndSharesLinks) {
  NetworkSpec net = test::star_network();
  net.topology = Topology::kRing;
  // Recursive doubling over a physical ring of 8: distance 1 is one hop (435 us); distance 2 is 2
  // hops
  // (+1 us) with 2 flows on each link (640 us); distance 4 is 4 hops (+3 us) with every flow the
  // same way round, 4 on each link (1280 us): 435 + 756 + 1398 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRecursiveDoubling, 1000000, 8, net), 2589 * kUs);
  // The ring algorithm only talks to neighbours: the same as on a star.
  EXPECT_EQ(t(C::kAllreduce, A::kRing, 1000000, 8, net),
            t(C::kAllreduce, A::kRing, 1000000, 8, test::star_network()));
}

TEST(CollectiveCost, AutoSwitchesAtTheDocumentedSizes) {
  const NetworkSpec net = test::star_network();
  EXPECT_EQ(resolve_allreduce(A::kAuto, 2048, 4, net), A::kRecursiveDoubling);
  EXPECT_EQ(resolve_allreduce(A::kAuto, 2049, 4, net), A::kRabenseifner);
  EXPECT_EQ(resolve_allreduce(A::kAuto, 524288, 4, net), A::kRabenseifner);
  EXPECT_EQ(resolve_allreduce(A::kAuto, 524289, 4, net), A::kRing);
  EXPECT_EQ(resolve_allreduce(A::kAuto, 4096, 6, net),
            A::kRing);  // Rabenseifner needs a power of two
  EXPECT_EQ(resolve_allreduce(A::kAuto, 1024, 6, net), A::kRecursiveDoubling);
  EXPECT_EQ(resolve_allreduce(A::kRing, 8, 4, net), A::kRing);  // forced by configuration
  // The run's all-reduce follows the choice.
  EXPECT_EQ(allreduce_time(2048, 4, net),
            collective_time(C::kAllreduce, A::kRecursiveDoubling, 2048, 4, net));
  EXPECT_EQ(allreduce_time(2049, 4, net),
            collective_time(C::kAllreduce, A::kRabenseifner, 2049, 4, net));
  EXPECT_EQ(allreduce_time(1 << 20, 4, net),
            collective_time(C::kAllreduce, A::kRing, 1 << 20, 4, net));
}

TEST(CollectiveCost, BestIsTheCheapestModelled) {
  NetworkSpec net = test::star_network();
  net.topology = Topology::kFatTree;
  net.servers_per_leaf = 4;
  net.oversubscription = 4;
  for (uint64_t n : {8ull, 4096ull, 1000000ull}) {
    const A best = resolve_allreduce(A::kBest, n, 16, net);
    for (A a : {A::kRing, A::kRecursiveDoubling, A::kRabenseifner, A::kHierarchical}) {
      EXPECT_LE(t(C::kAllreduce, best, n, 16, net), t(C::kAllreduce, a, n, 16, net)) << n;
    }
  }
}

TEST(CollectiveCost, FittedCostsReplaceTheLinksForTheirAlgorithm) {
  NetworkSpec net = test::star_network();
  net.fitted[A::kRing] = {50, 3, 10};  // alpha 3 us, beta 0.16 ns/B, gamma 0.1 ns/B
  // Ring, p = 4, n = 1e6: 6 x 3 us + 1.5 x 160 us + 0.75 x 100 us = 18 + 240 + 75 us.
  EXPECT_EQ(t(C::kAllreduce, A::kRing, 1000000, 4, net), 333 * kUs);
  EXPECT_EQ(t(C::kAllreduce, A::kRecursiveDoubling, 1000000, 4, net),
            870 * kUs);  // the links' costs
}

TEST(CollectiveCost, MpiIsTheAutomaticScheduleAtItsOwnFittedCosts) {
  // The MPI library's MPI_Allreduce: kAuto's algorithm at every size and rank count, priced with
  // fitted.mpi; without a fit, kAuto itself.
  NetworkSpec net = test::star_network();
  const LinkCosts library{40, 7, 4};
  NetworkSpec links_are_library = net;
  links_are_library.bandwidth_gbit_s = library.bandwidth_gbit_s;
  links_are_library.latency_us = library.latency_us;
  links_are_library.reduce_gbps = library.reduce_gbps;
  net.fitted[A::kRing] = {50, 3, 10};  // another algorithm's fit leaves MPI's alone
  for (int64_t p : {2, 3, 4, 8}) {
    for (uint64_t n : {8u, 2048u, 4096u, 1u << 20, 4u << 20}) {
      EXPECT_EQ(t(C::kAllreduce, A::kMpi, n, p, net), t(C::kAllreduce, A::kAuto, n, p, net))
          << p << " ranks, " << n << " B";
      NetworkSpec fitted = net;
      fitted.fitted[A::kMpi] = library;
      EXPECT_EQ(t(C::kAllreduce, A::kMpi, n, p, fitted),
                t(C::kAllreduce, A::kAuto, n, p, links_are_library))
          << p << " ranks, " << n << " B";
    }
  }
  EXPECT_EQ(resolve_allreduce(A::kMpi, 1 << 20, 4, net), A::kMpi);
  EXPECT_EQ(parse_algorithm("mpi"), A::kMpi);
}

TEST(CollectiveCost, UnsupportedPairIsRejected) {
  EXPECT_THROW(schedule(C::kBroadcast, A::kRing, 8, 4, test::star_network()),
               std::invalid_argument);
  EXPECT_THROW(schedule(C::kAllreduce, A::kBinomial, 8, 4, test::star_network()),
               std::invalid_argument);
}

// netbench's fit, on times generated by known link costs (no measurement: this checks the fitting
// arithmetic and that the cost terms carry over to rank counts and sizes not fitted).
std::vector<FitPoint> generated(const LinkCosts& truth, const std::vector<int64_t>& ranks,
                                const std::vector<double>& sizes) {
  const NetworkSpec shape = test::star_network();
  std::vector<FitPoint> points;
  for (int64_t p : ranks) {
    for (double n : sizes) {
      for (auto [c, a] : {std::pair{C::kAllreduce, A::kRing},
                          {C::kAllreduce, A::kRecursiveDoubling},
                          {C::kAllreduce, A::kRabenseifner},
                          {C::kReduceScatter, A::kRecursiveHalving},
                          {C::kAllgather, A::kRing},
                          {C::kBroadcast, A::kBinomial}}) {
        const CostTerms terms = cost_terms(schedule(c, a, n, p, shape));
        points.push_back({terms, seconds_under(terms, truth)});
      }
    }
  }
  return points;
}

TEST(NetbenchFit, RecoversTheLinkAndPredictsHeldOutRanksAndSizes) {
  const LinkCosts truth{25, 15, 10};  // Gb/s, us, GB/s
  const LinkCosts fit = fit_link(generated(truth, {2, 3}, {8, 128, 2048, 32768, 524288}));
  EXPECT_NEAR(fit.latency_us, 15, 15e-9);
  EXPECT_NEAR(fit.bandwidth_gbit_s, 25, 25e-9);
  EXPECT_NEAR(fit.reduce_gbps, 10, 10e-9);
  // Rank counts 4, 5 and 8 and the sizes between the fitted ones: never seen by the fit.
  for (const FitPoint& pt : generated(truth, {4, 5, 8}, {32, 512, 8192, 131072, 4194304})) {
    EXPECT_NEAR(seconds_under(pt.terms, fit) / pt.seconds, 1, 1e-9);
  }
}

TEST(NetbenchFit, NeverReturnsANegativeCost) {
  // Times that fall with size would need a negative beta: the fit keeps beta and gamma at zero (the
  // preset's largest bandwidth) and fits alpha alone.
  std::vector<FitPoint> points;
  for (double n : {8.0, 1024.0, 65536.0}) points.push_back({{1, n, n}, 10e-6 - n * 1e-12});
  const LinkCosts fit = fit_link(points);
  EXPECT_GT(fit.latency_us, 9.9);
  EXPECT_LT(fit.latency_us, 10.0);
  EXPECT_EQ(fit.bandwidth_gbit_s, 1e6);
  EXPECT_EQ(fit.reduce_gbps, 1e6);
}

TEST(NetbenchFit, ScaledFitKeepsTheBasesBetaToGammaRatio) {
  // One algorithm's times: 7 us per message and every per-byte cost twice the base's.
  const LinkCosts base{25, 15, 10};
  const LinkCosts slower{12.5, 7, 5};
  const LinkCosts fit = fit_scaled(generated(slower, {2, 4}, {8, 4096, 1 << 20}), base);
  EXPECT_NEAR(fit.latency_us, 7, 7e-9);
  EXPECT_NEAR(fit.bandwidth_gbit_s, 12.5, 12.5e-9);
  EXPECT_NEAR(fit.reduce_gbps, 5, 5e-9);
}

}  // namespace
}  // namespace pimscale
