// Running a step on every rank so that a pimscale Error on any rank stops all ranks together.
// Not responsible for printing the error (main.cpp does).
#pragma once

#include <optional>
#include <string>

#include "comm/cluster.h"
#include "src/base/error.h"

namespace pimscale {

// An error every rank has (agreed through the cluster): main prints it once and all ranks exit 1.
class CollectiveError : public Error {
 public:
  using Error::Error;
};

// Collective. Runs `step` on this rank; if it throws an Error on any rank, every rank throws a
// CollectiveError carrying the lowest failing rank's message. `step` must not itself enter a
// collective after a point where it may throw on some ranks only.
template <class Step>
void collective_step(const Cluster& cluster, Step&& step) {
  std::optional<std::string> error;
  try {
    step();
  } catch (const CollectiveFault&) {
    throw;  // the other ranks are inside a collective: only MPI_Abort reaches them
  } catch (const Error& e) {
    error = e.what();
  }
  if (auto message = cluster.agree_on_error(error)) throw CollectiveError(*message);
}

// Collective. Runs `work` on rank 0 only, the others waiting for its verdict (an error there stops
// all).
template <class Work>
void on_root(const Cluster& cluster, Work&& work) {
  collective_step(cluster, [&] {
    if (cluster.rank() == 0) work();
  });
}

}  // namespace pimscale
