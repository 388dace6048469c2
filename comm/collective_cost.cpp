#include "comm/collective_cost.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace pimscale {

std::string_view collective_name(Collective c) {
  switch (c) {
    case Collective::kAllreduce:
      return "all-reduce";
    case Collective::kReduceScatter:
      return "reduce-scatter";
    case Collective::kAllgather:
      return "all-gather";
    case Collective::kBroadcast:
      return "broadcast";
  }
  return "?";
}

namespace {

using A = CollectiveAlgorithm;

int64_t floor_pow2(int64_t p) {
  return int64_t{1} << (std::bit_width(static_cast<uint64_t>(p)) - 1);
}

Step flat(StepPattern pattern, int64_t distance, int64_t members, double bytes, double reduce,
          A costs, int64_t repeat = 1) {
  Step s;
  s.pattern = pattern;
  s.distance = distance;
  s.members = members;
  s.bytes = bytes;
  s.reduce_bytes = reduce;
  s.costs = costs;
  s.repeat = repeat;
  return s;
}

// MPICH's fold for p not a power of two: the first 2r ranks pair up (r = p - p') before the core
// runs on p' ranks, and the result goes back to the r ranks that sat out after it.
void fold_before(std::vector<Step>& out, int64_t p, double bytes, double reduce, A costs) {
  const int64_t r = p - floor_pow2(p);
  if (r > 0) out.push_back(flat(StepPattern::kExchange, 1, 2 * r, bytes, reduce, costs));
}
void fold_after(std::vector<Step>& out, int64_t p, double bytes, A costs) {
  const int64_t r = p - floor_pow2(p);
  if (r > 0) out.push_back(flat(StepPattern::kExchange, 1, 2 * r, bytes, 0, costs));
}

// Recursive halving over p' ranks: distances p'/2 .. 1, each step exchanging and reducing half of
// what is left.
void halving(std::vector<Step>& out, double n, int64_t q, A costs) {
  for (int64_t d = q / 2; d >= 1; d /= 2) {
    const double part = n * static_cast<double>(d) / static_cast<double>(q);
    out.push_back(flat(StepPattern::kExchange, d, q, part, part, costs));
  }
}
// Recursive doubling of blocks over p' ranks: distances 1 .. p'/2, each step doubling what each
// rank holds.
void doubling_gather(std::vector<Step>& out, double n, int64_t q, A costs) {
  for (int64_t d = 1; d < q; d *= 2) {
    out.push_back(flat(StepPattern::kExchange, d, q,
                       n * static_cast<double>(d) / static_cast<double>(q), 0, costs));
  }
}
void binomial(std::vector<Step>& out, double n, int64_t members, bool reduce) {
  for (int64_t d = 1; d < members; d *= 2) {
    out.push_back(flat(StepPattern::kTree, d, members, n, reduce ? n : 0, A::kBinomial));
  }
}

std::vector<Step> allreduce_schedule(A a, double n, int64_t p, const NetworkSpec& net) {
  std::vector<Step> out;
  const int64_t q = floor_pow2(p);
  const double pd = static_cast<double>(p);
  switch (a) {
    case A::kRing:
      out.push_back(
          flat(StepPattern::kShift, 1, p, n / pd, n / pd, A::kRing, p - 1));       // reduce-scatter
      out.push_back(flat(StepPattern::kShift, 1, p, n / pd, 0, A::kRing, p - 1));  // all-gather
      return out;
    case A::kRecursiveDoubling:
      fold_before(out, p, n, n, a);
      for (int64_t d = 1; d < q; d *= 2) out.push_back(flat(StepPattern::kExchange, d, q, n, n, a));
      fold_after(out, p, n, a);
      return out;
    case A::kRabenseifner:
      fold_before(out, p, n, n, a);
      halving(out, n, q, a);
      doubling_gather(out, n, q, a);
      fold_after(out, p, n, a);
      return out;
    case A::kHierarchical: {
      // Reduce to each group's first rank (binomial), all-reduce across the leaders, broadcast
      // back.
      const int64_t g = net.leaf_size(p), leaders = (p + g - 1) / g;
      std::vector<Step> intra;
      binomial(intra, n, g, true);
      for (Step& s : intra) s.group_stride = g, s.groups = leaders;
      out = intra;
      if (leaders > 1) {
        const A across = resolve_allreduce(A::kAuto, static_cast<uint64_t>(n), leaders, net);
        for (Step s : allreduce_schedule(across, n, leaders, net)) {
          s.member_stride = g;
          out.push_back(s);
        }
      }
      for (Step s : intra) {
        s.reduce_bytes = 0;
        out.push_back(s);
      }
      return out;
    }
    case A::kMpi: {
      out = allreduce_schedule(resolve_allreduce(A::kAuto, static_cast<uint64_t>(n), p, net), n, p,
                               net);
      if (net.fitted.count(A::kMpi)) {
        for (Step& s : out) s.costs = A::kMpi;
      }
      return out;
    }
    default:
      throw std::invalid_argument(
          "all-reduce has no algorithm '" + std::string(algorithm_name(a)) +
          "'; use ring, recursive-doubling, rabenseifner, hierarchical or mpi");
  }
}

}  // namespace

std::vector<Step> schedule(Collective c, CollectiveAlgorithm a, double n, int64_t p,
                           const NetworkSpec& net) {
  std::vector<Step> out;
  if (p <= 1) return out;
  const double pd = static_cast<double>(p);
  const int64_t q = floor_pow2(p);
  const auto unsupported = [&] {
    return std::invalid_argument(std::string(collective_name(c)) + " has no algorithm '" +
                                 std::string(algorithm_name(a)) + "'");
  };
  switch (c) {
    case Collective::kAllreduce:
      return allreduce_schedule(resolve_allreduce(a, static_cast<uint64_t>(n), p, net), n, p, net);
    case Collective::kReduceScatter:
      if (a == A::kRing) {
        out.push_back(flat(StepPattern::kShift, 1, p, n / pd, n / pd, A::kRing, p - 1));
      } else if (a == A::kAuto || a == A::kRecursiveHalving) {
        fold_before(out, p, n, n, A::kRecursiveHalving);
        halving(out, n, q, A::kRecursiveHalving);
        fold_after(out, p, n / pd, A::kRecursiveHalving);
      } else {
        throw unsupported();
      }
      return out;
    case Collective::kAllgather:
      if (a == A::kAuto || a == A::kRing) {
        out.push_back(flat(StepPattern::kShift, 1, p, n / pd, 0, A::kRing, p - 1));
      } else if (a == A::kRecursiveDoubling) {
        fold_before(out, p, n / pd, 0, a);
        doubling_gather(out, n, q, a);
        fold_after(out, p, n, a);
      } else {
        throw unsupported();
      }
      return out;
    case Collective::kBroadcast:
      if (a != A::kAuto && a != A::kBinomial) throw unsupported();
      binomial(out, n, p, false);
      return out;
  }
  return out;
}

namespace {

// The busiest link a step's flows share, and the longest extra path latency, on the topology.
struct StepLoad {
  double congestion = 1;
  double extra_latency_us = 0;
};

StepLoad fat_tree_load(const Step& s, int64_t p, const NetworkSpec& net) {
  StepLoad load;
  const int64_t leaf = net.leaf_size(p);
  if (leaf >= p) return load;  // one leaf switch: a star
  std::vector<int64_t> out((p + leaf - 1) / leaf, 0), in(out.size(), 0);
  int64_t busiest = 0;
  for_each_flow(s, p, [&](int64_t src, int64_t dst) {
    if (src / leaf == dst / leaf) return;
    load.extra_latency_us = 2 * net.hop_latency_us;  // up to a spine switch and down again
    busiest = std::max({busiest, ++out[src / leaf], ++in[dst / leaf]});
  });
  // A leaf's uplinks carry leaf x bandwidth / oversubscription; each crossing flow gets its share.
  load.congestion = std::max(
      1.0, net.oversubscription * static_cast<double>(busiest) / static_cast<double>(leaf));
  return load;
}

StepLoad ring_load(const Step& s, int64_t p, const NetworkSpec& net) {
  // Each flow takes the shorter way round (clockwise on a tie); count flows per directed link.
  std::vector<int64_t> cw(p + 1, 0), ccw(p + 1, 0);  // difference arrays over link index
  int64_t hops = 0;
  const auto add = [&](std::vector<int64_t>& d, int64_t first,
                       int64_t count) {  // links first .. first+count-1 mod p
    const int64_t end = first + count;
    d[first] += 1;
    if (end <= p) {
      d[end] -= 1;
    } else {
      d[p] -= 1;
      d[0] += 1;
      d[end - p] -= 1;
    }
  };
  for_each_flow(s, p, [&](int64_t src, int64_t dst) {
    const int64_t c = (dst - src + p) % p;
    if (c <= p - c) {
      add(cw, src, c);  // clockwise link i joins i -> i+1
      hops = std::max(hops, c);
    } else {
      add(ccw, (dst + 1) % p,
          p - c);  // counter-clockwise link i joins i -> i-1, for i = src down to dst+1
      hops = std::max(hops, p - c);
    }
  });
  int64_t busiest = 0, a = 0, b = 0;
  for (int64_t i = 0; i < p; ++i) busiest = std::max({busiest, a += cw[i], b += ccw[i]});
  StepLoad load;
  load.congestion = static_cast<double>(std::max<int64_t>(1, busiest));
  load.extra_latency_us =
      static_cast<double>(std::max<int64_t>(0, hops - 1)) * net.hop_latency_us;  // forwarding
  return load;
}

}  // namespace

double step_seconds(const Step& s, int64_t p, const NetworkSpec& net) {
  StepLoad load;
  if (net.topology == Topology::kFatTree) load = fat_tree_load(s, p, net);
  if (net.topology == Topology::kRing) load = ring_load(s, p, net);
  const LinkCosts c = net.costs_for(s.costs);
  const double one = c.alpha_s() + load.extra_latency_us * 1e-6 +
                     s.bytes * c.beta_s_per_byte() * load.congestion +
                     s.reduce_bytes * c.gamma_s_per_byte();
  return static_cast<double>(s.repeat) * one;
}

namespace {
double schedule_seconds(const std::vector<Step>& steps, int64_t p, const NetworkSpec& net) {
  double t = 0;
  for (const Step& s : steps) t += step_seconds(s, p, net);
  return t;
}
}  // namespace

CollectiveAlgorithm resolve_allreduce(CollectiveAlgorithm requested, uint64_t bytes, int64_t p,
                                      const NetworkSpec& net) {
  if (requested == A::kAuto) {
    if (bytes <= static_cast<uint64_t>(net.allreduce_short_bytes)) return A::kRecursiveDoubling;
    if (std::has_single_bit(static_cast<uint64_t>(p)) &&
        bytes <= static_cast<uint64_t>(net.allreduce_long_bytes)) {
      return A::kRabenseifner;
    }
    return A::kRing;
  }
  if (requested == A::kBest) {
    A best = A::kRing;
    double best_t = -1;
    for (A a : {A::kRing, A::kRecursiveDoubling, A::kRabenseifner, A::kHierarchical}) {
      const double t =
          schedule_seconds(allreduce_schedule(a, static_cast<double>(bytes), p, net), p, net);
      if (best_t < 0 || t < best_t) best = a, best_t = t;
    }
    return best;
  }
  return requested;
}

Picoseconds collective_time(Collective c, CollectiveAlgorithm a, uint64_t bytes, int64_t p,
                            const NetworkSpec& net) {
  if (p <= 1) return {};
  return from_seconds(schedule_seconds(schedule(c, a, static_cast<double>(bytes), p, net), p, net));
}

Picoseconds allreduce_time(uint64_t bytes, int64_t p, const NetworkSpec& net) {
  return collective_time(Collective::kAllreduce, net.allreduce, bytes, p, net);
}

}  // namespace pimscale
