// Fault injection for the tests that an error on one rank stops every rank, whatever collective it
// happens in (tests/e2e/faults.sh): with PIMSCALE_FAULT=PHASE@RANK in the environment,
// inject_fault(PHASE, rank) throws CollectiveFault on MPI_COMM_WORLD rank RANK only. Phases: open,
// read, write, close (HDF5 files) and allreduce (between servers). Without the variable (every real
// run) it does nothing. PIMSCALE_FAULT=kill:POINT@RANK instead makes kill_point(POINT, rank) end
// rank RANK with SIGKILL there (no unwinding, no message: a crashed node), for the resume test
// (tests/e2e/resume.sh; points: epochN, in epoch N after half its rounds; swapN, between the
// renames of the checkpoint after epoch N). Not responsible for stopping the ranks (main.cpp).
#pragma once

#include <string_view>

namespace pimscale {

void inject_fault(std::string_view phase, int rank);
void kill_point(std::string_view point, int rank);

}  // namespace pimscale
