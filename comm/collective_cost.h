// Collective cost models: the emulated time of an inter-server collective from the network
// description. Every algorithm is a schedule of steps (who sends to whom, how many bytes, how many
// reduced); a step costs alpha + bytes beta + reduced gamma on a single switch, and the topology
// adds path latency and link sharing. On a star the schedules sum to the textbook formulas
// (performance-modeling.md) exactly. Not responsible for moving the data (cluster.h does, over real
// MPI).
#pragma once

#include <cstdint>
#include <vector>

#include "comm/network_spec.h"
#include "src/base/units.h"

namespace pimscale {

enum class Collective { kAllreduce, kReduceScatter, kAllgather, kBroadcast };
std::string_view collective_name(Collective c);

// Who talks to whom in one step. Participants are local indices k in [0, members) of each group;
// group g's participant k is rank g * group_stride + k * member_stride (ranks >= p do not exist).
//   kExchange: k and k xor distance swap messages (recursive doubling and halving);
//   kShift:    k sends to (k + distance) mod members (ring);
//   kTree:     k < distance sends to k + distance (binomial broadcast; a binomial reduce uses the
//   same links).
enum class StepPattern { kExchange, kShift, kTree };

struct Step {
  StepPattern pattern = StepPattern::kExchange;
  int64_t distance = 1;
  int64_t members = 1;
  int64_t member_stride = 1;
  int64_t group_stride = 0;
  int64_t groups = 1;
  double bytes = 0;         // each message
  double reduce_bytes = 0;  // combined by each receiver
  int64_t repeat = 1;       // identical consecutive steps (a ring's p - 1)
  CollectiveAlgorithm costs =
      CollectiveAlgorithm::kAuto;  // whose fitted costs apply (kAuto: the links')
};

// Calls flow(src, dst) for every message of one step over p ranks.
template <class Flow>
void for_each_flow(const Step& s, int64_t p, Flow&& flow) {
  for (int64_t g = 0; g < s.groups; ++g) {
    const int64_t base = g * s.group_stride;
    const auto rank = [&](int64_t k) { return base + k * s.member_stride; };
    for (int64_t k = 0; k < s.members; ++k) {
      int64_t to = -1;
      switch (s.pattern) {
        case StepPattern::kExchange:
          to = k ^ s.distance;
          break;
        case StepPattern::kShift:
          to = (k + s.distance) % s.members;
          break;
        case StepPattern::kTree:
          to = k < s.distance ? k + s.distance : -1;
          break;
      }
      if (to < 0 || to >= s.members || to == k) continue;
      const int64_t src = rank(k), dst = rank(to);
      if (src < p && dst < p) flow(src, dst);
    }
  }
}

// The steps of `a` for collective `c` of n bytes over p ranks (n: the whole vector; all-gather: the
// gathered result). Non-power-of-two p in recursive doubling, halving and Rabenseifner: the MPICH
// fold (one step before and one after over the first 2(p - p') ranks, p' = 2^floor(lg p)), the core
// placed on ranks [0, p'). Throws std::invalid_argument for an algorithm that does not implement c.
std::vector<Step> schedule(Collective c, CollectiveAlgorithm a, double n, int64_t p,
                           const NetworkSpec& net);

// The time of one step on the topology: alpha + extra path latency + bytes beta x (flows on the
// busiest link, or over a leaf's uplinks) + reduce_bytes gamma.
double step_seconds(const Step& s, int64_t p, const NetworkSpec& net);

// The algorithm `requested` stands for: kAuto by the MPI-style rule (README, "Collectives"), kBest
// the cheapest modelled all-reduce, anything else itself.
CollectiveAlgorithm resolve_allreduce(CollectiveAlgorithm requested, uint64_t bytes, int64_t p,
                                      const NetworkSpec& net);

// Emulated time of collective c with algorithm a (resolved as above for all-reduce); zero for p
// = 1.
Picoseconds collective_time(Collective c, CollectiveAlgorithm a, uint64_t bytes, int64_t p,
                            const NetworkSpec& net);

// The all-reduce of the run: net.allreduce resolved for n bytes over p servers.
Picoseconds allreduce_time(uint64_t bytes, int64_t p, const NetworkSpec& net);

}  // namespace pimscale
