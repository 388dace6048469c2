// Running a step on every rank so that a pimscale Error on any rank stops all ranks together.
// Not responsible for printing the error (main.cpp does).
#pragma once

#include <optional>
#include <string>

#include "comm/cluster.h"
#include "src/base/error.h"

namespace pimscale {

// An error every rank has (agreed through the cluster): main prints it once and all ranks exit with
// `status()` (2 when it was a UsageError, else 1).
class CollectiveError : public Error {
 public:
  CollectiveError(const std::string& message, int status) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Collective. Runs `step` on this rank; if it throws an Error on any rank, every rank throws a
// CollectiveError carrying the lowest failing rank's message. `step` must not itself enter a
// collective after a point where it may throw on some ranks only.
template <class Step>
void collective_step(const Cluster& cluster, Step&& step) {
  std::optional<std::string> error;  // the exit status's digit, then the message
  try {
    step();
  } catch (const CollectiveFault&) {
    throw;  // the other ranks are inside a collective: only MPI_Abort reaches them
  } catch (const UsageError& e) {
    error = std::string("2") + e.what();
  } catch (const Error& e) {
    error = std::string("1") + e.what();
  }
  if (auto message = cluster.agree_on_error(error)) {
    throw CollectiveError(message->substr(1), message->front() - '0');
  }
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
