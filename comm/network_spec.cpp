#include "comm/network_spec.h"

#include <array>
#include <utility>

namespace pimscale {

namespace {
constexpr std::array<std::pair<CollectiveAlgorithm, std::string_view>, 9> kAlgorithmNames = {{
    {CollectiveAlgorithm::kAuto, "auto"},
    {CollectiveAlgorithm::kBest, "best"},
    {CollectiveAlgorithm::kRing, "ring"},
    {CollectiveAlgorithm::kRecursiveDoubling, "recursive-doubling"},
    {CollectiveAlgorithm::kRabenseifner, "rabenseifner"},
    {CollectiveAlgorithm::kRecursiveHalving, "recursive-halving"},
    {CollectiveAlgorithm::kBinomial, "binomial"},
    {CollectiveAlgorithm::kHierarchical, "hierarchical"},
    {CollectiveAlgorithm::kMpi, "mpi"},
}};
constexpr std::array<std::pair<Topology, std::string_view>, 3> kTopologyNames = {
    {{Topology::kStar, "star"}, {Topology::kFatTree, "fat-tree"}, {Topology::kRing, "ring"}}};

template <class Table, class E>
std::string_view name_in(const Table& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "?";
}
template <class E, class Table>
std::optional<E> parse_in(const Table& table, std::string_view s) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}
}  // namespace

std::string_view algorithm_name(CollectiveAlgorithm a) { return name_in(kAlgorithmNames, a); }
std::optional<CollectiveAlgorithm> parse_algorithm(std::string_view name) {
  return parse_in<CollectiveAlgorithm>(kAlgorithmNames, name);
}
std::string_view topology_name(Topology t) { return name_in(kTopologyNames, t); }
std::optional<Topology> parse_topology(std::string_view name) {
  return parse_in<Topology>(kTopologyNames, name);
}

LinkCosts NetworkSpec::costs_for(CollectiveAlgorithm a) const {
  const auto it = fitted.find(a);
  return it != fitted.end() ? it->second : link();
}

int64_t NetworkSpec::leaf_size(int64_t p) const {
  return servers_per_leaf > 0 && servers_per_leaf < p ? servers_per_leaf : p;
}

#define PIMSCALE_F(expr) [](NetworkSpec& n) -> decltype(auto) { return (expr); }

const std::vector<Param<NetworkSpec>>& network_params() {
  static const std::vector<Param<NetworkSpec>> kParams = {
      {"network.bandwidth_gbit_s", "Gb/s", "link bandwidth per direction", 1e-3, 1e6,
       PIMSCALE_F(n.bandwidth_gbit_s)},
      {"network.latency_us", "us", "per-message latency (NIC, one switch, MPI)", 0, 1e6,
       PIMSCALE_F(n.latency_us)},
      {"network.reduce_gbps", "GB/s", "host reduction rate of received data", 1e-3, 1e6,
       PIMSCALE_F(n.reduce_gbps)},
      {"network.hop_latency_us", "us",
       "latency of each extra switch (fat tree) or forwarding server (ring)", 0, 1e6,
       PIMSCALE_F(n.hop_latency_us)},
      {"topology.servers_per_leaf", "servers",
       "servers under one leaf switch; hierarchical collectives' group", 0, 1e9,
       PIMSCALE_F(n.servers_per_leaf), true},
      {"topology.oversubscription", "ratio", "fat tree: leaf downlink over uplink capacity", 1, 1e3,
       PIMSCALE_F(n.oversubscription), true},
      {"collectives.allreduce_short_bytes", "bytes",
       "auto: recursive doubling at or below this size", 0, 1e15,
       PIMSCALE_F(n.allreduce_short_bytes)},
      {"collectives.allreduce_long_bytes", "bytes",
       "auto: ring above this size (Rabenseifner between)", 0, 1e15,
       PIMSCALE_F(n.allreduce_long_bytes)},
  };
  return kParams;
}

#undef PIMSCALE_F

}  // namespace pimscale
