// `pimscale sweep`: weak or strong scaling over servers and DPUs per server. Launches one
// `pimscale train` per point through a launcher command (mpirun, srun), then writes one CSV with time
// per epoch, speedup, parallel efficiency, accuracy and time to a target accuracy.
// Not responsible for training (each point is an ordinary train run, kept under <out>/points/).
#pragma once

namespace pimscale {

// The whole `pimscale sweep` command. Runs without MPI (it only launches MPI jobs); returns the exit code.
int sweep_main(int argc, char** argv);

}  // namespace pimscale
