// GoogleTest main for MPI tests: every rank runs every test; the verdict is the worst over ranks,
// so a failure on rank 3 fails the run. Only rank 0 prints the progress; other ranks print failures
// only.
#include <gtest/gtest.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>

#include "io/hdf5.h"

namespace {

class FailuresOnly : public testing::EmptyTestEventListener {
 public:
  explicit FailuresOnly(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& r) override {
    if (r.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_, r.file_name(), r.line_number(),
                   r.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  boost::mpi::communicator world;
  pimscale::h5::silence_hdf5_errors();
  testing::InitGoogleTest(&argc, argv);
  if (world.rank() != 0) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailuresOnly(world.rank()));
  }
  const int local = RUN_ALL_TESTS();
  const int worst = boost::mpi::all_reduce(world, local, boost::mpi::maximum<int>());
  if (world.rank() == 0 && worst != local)
    std::fprintf(stderr, "some test failed on another rank\n");
  return worst;
}
