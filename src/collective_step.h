// Running a step on every rank so that an InputError on any rank stops all ranks together.
// Not responsible for printing the error (main.cpp does).
#pragma once

#include <optional>
#include <string>

#include "comm/cluster.h"
#include "pim_emul/error.h"

namespace pimscale {

// An error every rank has (agreed through the cluster): main prints it once and all ranks exit 1.
class CollectiveError : public InputError {
 public:
  using InputError::InputError;
};

// Collective. Runs `step` on this rank; if it throws an InputError on any rank, every rank throws a
// CollectiveError carrying the lowest failing rank's message. `step` must not itself enter a collective
// after a point where it may throw on some ranks only.
template <class Step>
void collective_step(const Cluster& cluster, Step&& step) {
  std::optional<std::string> error;
  try {
    step();
  } catch (const InputError& e) {
    error = e.what();
  }
  if (auto message = cluster.agree_on_error(error)) throw CollectiveError(*message);
}

}  // namespace pimscale
