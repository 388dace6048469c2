// GoogleTest main for unit tests that need MPI initialised but talk to no other rank (a Cluster on
// MPI_COMM_SELF): one process, run without mpiexec, in the unit tier.
#include <gtest/gtest.h>

#include <boost/mpi/environment.hpp>

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
