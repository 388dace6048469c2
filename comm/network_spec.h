// The description of the network between PIM servers, as loaded from a network preset: link costs,
// the topology, the MPI library's all-reduce thresholds, and optional per-algorithm costs fitted by
// `pimscale netbench`; plus how a run uses it (a forced all-reduce algorithm, measured mode).
// Not responsible for loading it (src/ does) or for collective times (collective_cost.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/param_table.h"

namespace pimscale {

// Collective algorithms (Thakur, Rabenseifner and Gropp 2005). kAuto picks one by message size and
// rank count as MPI libraries do; kBest takes the cheapest under the model.
enum class CollectiveAlgorithm {
  kAuto,
  kBest,
  kRing,
  kRecursiveDoubling,
  kRabenseifner,
  kRecursiveHalving,
  kBinomial,
  kHierarchical,
  // The MPI library's own MPI_Allreduce, which chooses its algorithm itself: kAuto's schedule
  // priced with the costs `pimscale netbench` fitted to MPI_Allreduce (fitted.mpi; without them,
  // kAuto exactly). The CPU baseline's all-reduce.
  kMpi,
};
std::string_view algorithm_name(CollectiveAlgorithm a);
std::optional<CollectiveAlgorithm> parse_algorithm(std::string_view name);

enum class Topology { kStar, kFatTree, kRing };
std::string_view topology_name(Topology t);
std::optional<Topology> parse_topology(std::string_view name);

// Per-message latency, link bandwidth and reduction rate: alpha, beta and gamma of the cost
// formulas.
struct LinkCosts {
  double bandwidth_gbit_s = 0;  // per direction
  double latency_us = 0;        // per message: NIC + one switch + MPI software
  double reduce_gbps = 0;       // rate at which a host combines received data

  double alpha_s() const { return latency_us * 1e-6; }
  double beta_s_per_byte() const { return 8.0 / (bandwidth_gbit_s * 1e9); }
  double gamma_s_per_byte() const { return 1.0 / (reduce_gbps * 1e9); }
};

struct NetworkSpec {
  std::string name;
  // network.*: the links (kept flat for the Param table).
  double bandwidth_gbit_s = 0;
  double latency_us = 0;
  double reduce_gbps = 0;
  double hop_latency_us = 0;  // each extra switch (fat tree) or forwarding server (ring) on a path
  // topology.*
  Topology topology = Topology::kStar;
  int64_t servers_per_leaf =
      0;                        // fat tree: servers under one leaf switch; hierarchical: group size
  double oversubscription = 1;  // fat tree: leaf downlink / uplink capacity
  // collectives.*: the MPI library's all-reduce switch points for kAuto.
  int64_t allreduce_short_bytes = 2048;  // at or below: recursive doubling
  int64_t allreduce_long_bytes =
      1 << 20;  // above (or p not a power of two): ring; between: Rabenseifner
  // fitted.<algorithm>.*: costs `pimscale netbench` fitted for one algorithm; the links' otherwise.
  std::map<CollectiveAlgorithm, LinkCosts> fitted;
  SourceMap sources;

  // Set by the run's configuration, not by the preset.
  CollectiveAlgorithm allreduce = CollectiveAlgorithm::kAuto;
  bool measured = false;  // inter-server time is the real MPI collective's wall time

  LinkCosts link() const { return {bandwidth_gbit_s, latency_us, reduce_gbps}; }
  LinkCosts costs_for(CollectiveAlgorithm a) const;
  // The group of hierarchical collectives and leaves of a fat tree: servers_per_leaf, or every
  // server.
  int64_t leaf_size(int64_t p) const;
};

const std::vector<Param<NetworkSpec>>& network_params();

}  // namespace pimscale
