// The emulated servers as MPI ranks: functional collectives over real MPI, each timed by the
// network model, with the servers' emulated clocks meeting at every collective. Not responsible for
// any server's own work (node/) or the algorithm (src/).
#pragma once

#include <mpi.h>

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "comm/network_spec.h"
#include "src/base/units.h"

namespace pimscale {

// What one collective cost a server: waiting for the last to arrive, then the collective itself.
struct CollectiveTime {
  Picoseconds wait;
  Picoseconds network;
};

class Cluster {
 public:
  explicit Cluster(boost::mpi::communicator comm) : comm_(std::move(comm)) {}

  int rank() const { return comm_.rank(); }
  int size() const { return comm_.size(); }
  MPI_Comm mpi_comm() const { return static_cast<MPI_Comm>(comm_); }

  // Collective. Sums `values` element-wise over all servers, in place (integers: exact in any
  // order). The collective starts when the last server's clock `now` arrives; returns this server's
  // wait and the all-reduce time of the message under `net` (its algorithm resolved by
  // collective_cost.h), or with net.measured the slowest rank's wall time of the real MPI
  // all-reduce. T: int64_t (exact) or float (the float reference mode; its sum order is MPI's).
  template <class T>
  CollectiveTime allreduce_sum(std::span<T> values, Picoseconds now, const NetworkSpec& net);

  // Collective. Plain sums and maxima (no emulated time).
  int64_t sum(int64_t v) const;
  // Collective. The sum of v over the ranks on this machine (those sharing its memory), and their
  // count.
  int64_t machine_sum(int64_t v) const;
  int ranks_on_machine() const;
  int64_t max(int64_t v) const;
  double max(double v) const;

  // Collective. Every rank passes its own error (or none); if any rank has one, every rank returns
  // the message of the lowest such rank, so all ranks can stop together.
  std::optional<std::string> agree_on_error(const std::optional<std::string>& local) const;

  // Collective. Rank 0's `text` on every rank.
  std::string broadcast_from_root(std::string text) const;

  // Collective. Concatenates every rank's values on rank 0 in rank order (empty elsewhere).
  std::vector<double> gather_to_root(const std::vector<double>& local) const;
  std::vector<int64_t> gather_to_root(const std::vector<int64_t>& local) const;

  // Collective. Rank 0 hands `take` every rank's bytes in rank order (its own first), receiving
  // them one rank at a time, so no rank ever holds more than its own and one other's. If `take`
  // throws, the remaining ranks' bytes are still received (and dropped) before the exception
  // leaves, so no rank is left waiting.
  void gather_bytes_in_turn(std::vector<char> mine,
                            const std::function<void(int rank, std::vector<char>&&)>& take) const;
  // Collective. Rank 0 sends each rank the bytes `give(rank)` returns, one rank at a time; every
  // rank returns its own. If `give` throws, the remaining ranks get no bytes (an empty vector)
  // before the exception leaves rank 0.
  std::vector<char> scatter_bytes_in_turn(
      const std::function<std::vector<char>(int rank)>& give) const;

 private:
  const boost::mpi::communicator& machine() const;
  boost::mpi::communicator comm_;
  mutable std::optional<boost::mpi::communicator>
      machine_;  // ranks sharing memory, made on first use
};

}  // namespace pimscale
