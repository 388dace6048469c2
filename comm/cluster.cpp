#include "comm/cluster.h"

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <functional>
#include <limits>
#include <string>

#include "comm/collective_cost.h"
#include "src/base/error.h"
#include "src/base/fault.h"

namespace pimscale {

namespace mpi = boost::mpi;

namespace {
// MPI counts are ints: a larger message would wrap silently.
int mpi_count(uint64_t n, const char* what) {
  if (n > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    throw MpiError(std::string(what) + " of " + std::to_string(n) +
                   " entries exceeds MPI's count limit of 2^31 - 1");
  }
  return static_cast<int>(n);
}
}  // namespace

template <class T>
CollectiveTime Cluster::allreduce_sum(std::span<T> values, Picoseconds now,
                                      const NetworkSpec& net) {
  // Clocks meet: the collective begins when the slowest server arrives.
  const Picoseconds start{max(now.value)};
  if (net.measured) comm_.barrier();  // measured: every rank starts the real collective together
  inject_fault("allreduce", rank());
  const double t0 = MPI_Wtime();
  // In place: no copy of the vector (with one rank, no work at all).
  mpi::all_reduce(comm_, mpi::inplace(values.data()), mpi_count(values.size(), "an all-reduce"),
                  std::plus<T>());
  const double took = MPI_Wtime() - t0;
  if (!net.measured) return {start - now, allreduce_time(values.size() * sizeof(T), size(), net)};
  // The slowest rank's wall time of the real collective: non-deterministic.
  const double slowest = max(took);
  return {start - now, size() > 1 ? from_seconds(slowest) : Picoseconds{}};
}
template CollectiveTime Cluster::allreduce_sum<int64_t>(std::span<int64_t>, Picoseconds,
                                                        const NetworkSpec&);
template CollectiveTime Cluster::allreduce_sum<float>(std::span<float>, Picoseconds,
                                                      const NetworkSpec&);

int64_t Cluster::sum(int64_t v) const { return mpi::all_reduce(comm_, v, std::plus<int64_t>()); }
int64_t Cluster::max(int64_t v) const { return mpi::all_reduce(comm_, v, mpi::maximum<int64_t>()); }
double Cluster::max(double v) const { return mpi::all_reduce(comm_, v, mpi::maximum<double>()); }

const mpi::communicator& Cluster::machine() const {
  if (!machine_) {
    MPI_Comm shared = MPI_COMM_NULL;
    if (MPI_Comm_split_type(mpi_comm(), MPI_COMM_TYPE_SHARED, rank(), MPI_INFO_NULL, &shared) !=
        MPI_SUCCESS) {
      throw MpiError(
          "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) failed: cannot tell which ranks share a "
          "machine");
    }
    machine_.emplace(shared, mpi::comm_take_ownership);
  }
  return *machine_;
}

int64_t Cluster::machine_sum(int64_t v) const {
  return mpi::all_reduce(machine(), v, std::plus<int64_t>());
}
int Cluster::ranks_on_machine() const { return machine().size(); }

std::optional<std::string> Cluster::agree_on_error(const std::optional<std::string>& local) const {
  const int first = mpi::all_reduce(comm_, local ? rank() : size(), mpi::minimum<int>());
  if (first == size()) return std::nullopt;
  std::string message = rank() == first ? *local : std::string();
  mpi::broadcast(comm_, message, first);
  return message;
}

std::string Cluster::broadcast_from_root(std::string text) const {
  mpi::broadcast(comm_, text, 0);
  return text;
}

namespace {
template <class T>
std::vector<T> gather_impl(const mpi::communicator& comm, const std::vector<T>& local) {
  const int n = mpi_count(local.size(), "a gather");
  std::vector<int> counts;
  mpi::gather(comm, n, counts, 0);
  std::vector<T> all;
  if (comm.rank() == 0) {
    uint64_t total = 0;
    for (int c : counts) total += static_cast<uint64_t>(c);
    all.resize(static_cast<size_t>(mpi_count(total, "a gather")));
    mpi::gatherv(comm, local.data(), n, all.data(), counts, 0);
  } else {
    mpi::gatherv(comm, local.data(), n, 0);
  }
  return all;
}
}  // namespace

std::vector<double> Cluster::gather_to_root(const std::vector<double>& local) const {
  return gather_impl(comm_, local);
}
std::vector<int64_t> Cluster::gather_to_root(const std::vector<int64_t>& local) const {
  return gather_impl(comm_, local);
}

namespace {
constexpr int kBytesTag = 7301;
constexpr uint64_t kBytesChunk = uint64_t{1} << 30;  // MPI counts are ints

void send_bytes(MPI_Comm comm, const std::vector<char>& bytes, int to) {
  const uint64_t n = bytes.size();
  MPI_Send(&n, 1, MPI_UINT64_T, to, kBytesTag, comm);
  for (uint64_t at = 0; at < n; at += kBytesChunk) {
    MPI_Send(bytes.data() + at, static_cast<int>(std::min(kBytesChunk, n - at)), MPI_BYTE, to,
             kBytesTag, comm);
  }
}

std::vector<char> receive_bytes(MPI_Comm comm, int from) {
  uint64_t n = 0;
  MPI_Recv(&n, 1, MPI_UINT64_T, from, kBytesTag, comm, MPI_STATUS_IGNORE);
  std::vector<char> bytes(n);
  for (uint64_t at = 0; at < n; at += kBytesChunk) {
    MPI_Recv(bytes.data() + at, static_cast<int>(std::min(kBytesChunk, n - at)), MPI_BYTE, from,
             kBytesTag, comm, MPI_STATUS_IGNORE);
  }
  return bytes;
}
}  // namespace

void Cluster::gather_bytes_in_turn(
    std::vector<char> mine, const std::function<void(int, std::vector<char>&&)>& take) const {
  if (rank() != 0) {
    // Wait for rank 0 to ask, so at most one rank's bytes are in flight.
    int go = 0;
    MPI_Recv(&go, 1, MPI_INT, 0, kBytesTag, mpi_comm(), MPI_STATUS_IGNORE);
    send_bytes(mpi_comm(), mine, 0);
    return;
  }
  int r = 0;
  try {
    take(0, std::move(mine));
    for (r = 1; r < size(); ++r) {
      int go = 1;
      MPI_Send(&go, 1, MPI_INT, r, kBytesTag, mpi_comm());
      take(r, receive_bytes(mpi_comm(), r));
    }
  } catch (...) {
    for (++r; r < size(); ++r) {
      int go = 1;
      MPI_Send(&go, 1, MPI_INT, r, kBytesTag, mpi_comm());
      receive_bytes(mpi_comm(), r);
    }
    throw;
  }
}

std::vector<char> Cluster::scatter_bytes_in_turn(
    const std::function<std::vector<char>(int)>& give) const {
  if (rank() != 0) return receive_bytes(mpi_comm(), 0);
  std::vector<char> own;
  int r = 0;
  try {
    own = give(0);
    for (r = 1; r < size(); ++r) send_bytes(mpi_comm(), give(r), r);
  } catch (...) {
    for (r = std::max(r, 1); r < size(); ++r) send_bytes(mpi_comm(), {}, r);
    throw;
  }
  return own;
}

}  // namespace pimscale
