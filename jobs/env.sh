# OpenMPI settings every pimscale script needs; source it before mpirun.
# Root in containers needs explicit permission; more ranks than cores need oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# An error ends in pimscale's one line: without this, mpirun follows it with a banner ("Primary job
# terminated normally, but 1 process returned a non-zero exit code", or MPI_ABORT's). Same as
# `mpirun --quiet`.
export OMPI_MCA_orte_execute_quiet=1
