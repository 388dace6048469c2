// Parallel HDF5: files written by any number of ranks read back row for row on any row ranges, and
// broken inputs fail on every rank alike.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <filesystem>
#include <fstream>

#include "io/dataset.h"
#include "io/dataset_writer.h"
#include "io/synth.h"
#include "src/base/error.h"

namespace pimscale {
namespace {

// A temporary path shared by all ranks (rank 0's pid keeps concurrent test runs apart).
std::string shared_temp(const std::string& name) {
  boost::mpi::communicator w;
  int pid = static_cast<int>(getpid());
  boost::mpi::broadcast(w, pid, 0);
  return (std::filesystem::temp_directory_path() /
          ("pimscale_" + name + "_" + std::to_string(pid) + "_" + std::to_string(w.size()) + ".h5"))
      .string();
}

TEST(DatasetIo, DenseRowRangesReadBackWhatTheGeneratorMade) {
  boost::mpi::communicator w;
  SynthSpec s;
  s.rows = 103;  // not divisible by 2, 3 or 4: uneven shares
  s.test_rows = 7;
  s.features = 5;
  const std::string path = shared_temp("dense");
  write_synthetic(s, path, MPI_COMM_WORLD);
  const Dataset d = Dataset::open(path, MPI_COMM_WORLD);
  EXPECT_EQ(d.kind(), DataKind::kDense);
  EXPECT_EQ(d.rows("train"), 103u);
  EXPECT_EQ(d.rows("test"), 7u);
  // Rank r reads 10 rows from 10 * r (clipped), including a rank that reads none.
  const uint64_t first = std::min<uint64_t>(103, 10 * static_cast<uint64_t>(w.rank()) + 90);
  const uint64_t count = std::min<uint64_t>(10, 103 - first);
  const DenseRows rows = d.read_dense("train", first, count);
  const SyntheticGenerator g(s);
  std::vector<float> x(5);
  for (uint64_t i = 0; i < count; ++i) {
    EXPECT_EQ(rows.y[i], g.dense_row(0, first + i, x.data()));
    for (int j = 0; j < 5; ++j) EXPECT_EQ(rows.x[i * 5 + j], x[j]);
  }
  EXPECT_FALSE(validate(rows, path, "train").has_value());
  w.barrier();
  if (w.rank() == 0) std::filesystem::remove(path);
}

// Chunked dense reads: every rank makes the same number of collective reads whatever its row count
// (one rank reads none); chunks arrive in order with their global first row; a bad value in one
// rank's rows is that rank's message, naming the row, while every rank still finishes its reads (no
// hang).
TEST(DatasetIo, DenseChunksArriveInOrderAndABadValueIsNamedWithoutAHang) {
  boost::mpi::communicator w;
  const std::string path = shared_temp("chunks");
  const uint64_t features = 3, rows = 20;
  {
    DatasetWriter out(path, MPI_COMM_WORLD, DataKind::kDense, features, "test");
    // Rank 0 writes every row: row i holds (i/100, i/100, i/100); row 13 holds 1.5 in feature 2.
    std::vector<float> x;
    std::vector<uint8_t> y;
    if (w.rank() == 0) {
      for (uint64_t i = 0; i < rows; ++i) {
        for (uint64_t j = 0; j < features; ++j) x.push_back(static_cast<float>(i) / 100.0f);
        y.push_back(static_cast<uint8_t>(i % 2));
      }
      x[13 * features + 2] = 1.5f;
    }
    out.write_dense("train", rows, 0, x, y);
    const bool root = w.rank() == 0;
    out.write_dense("test", 1, 0, root ? std::vector<float>(features, 0.5f) : std::vector<float>(),
                    root ? std::vector<uint8_t>{1} : std::vector<uint8_t>());
    out.commit();
  }
  const Dataset d = Dataset::open(path, MPI_COMM_WORLD);
  // Rank r reads 6 rows from 6 r (the last rank fewer, a fourth rank none), 4 rows a chunk.
  const uint64_t first = std::min<uint64_t>(rows, 6 * static_cast<uint64_t>(w.rank()));
  const uint64_t count = std::min<uint64_t>(6, rows - first);
  const uint64_t most = boost::mpi::all_reduce(w, count, boost::mpi::maximum<uint64_t>());
  std::vector<uint64_t> firsts;
  std::vector<float> seen;
  const std::optional<std::string> error =
      d.read_dense_chunks("train", first, count, 4, (most + 3) / 4, [&](const DenseRows& c) {
        firsts.push_back(c.first);
        seen.insert(seen.end(), c.x.begin(), c.x.end());
      });
  const bool has_bad_row = first <= 13 && 13 < first + count;
  EXPECT_EQ(error.has_value(), has_bad_row);
  if (has_bad_row) {
    EXPECT_NE(error->find("/train/X row 13 feature 2 is 1.5"), std::string::npos) << *error;
    // Chunks before the bad one were consumed, none after.
    for (uint64_t f : firsts) EXPECT_LT(f, 13u);
  } else {
    std::vector<uint64_t> want;
    for (uint64_t f = first; f < first + count; f += 4) want.push_back(f);
    EXPECT_EQ(firsts, want);
    ASSERT_EQ(seen.size(), count * features);
    for (uint64_t i = 0; i < count; ++i)
      EXPECT_EQ(seen[i * features], static_cast<float>(first + i) / 100.0f);
  }
  w.barrier();
  if (w.rank() == 0) std::filesystem::remove(path);
}

TEST(DatasetIo, SparseRowRangesReadBackWhatTheGeneratorMade) {
  boost::mpi::communicator w;
  SynthSpec s;
  s.kind = DataKind::kSparse;
  s.rows = 50;
  s.test_rows = 5;
  s.features = 1000;
  s.nnz_per_row = 7;
  const std::string path = shared_temp("sparse");
  write_synthetic(s, path, MPI_COMM_WORLD);
  const Dataset d = Dataset::open(path, MPI_COMM_WORLD);
  EXPECT_EQ(d.kind(), DataKind::kSparse);
  const uint64_t first = 3 * static_cast<uint64_t>(w.rank()), count = 11;
  const SparseRows rows = d.read_sparse("train", first, count);
  EXPECT_TRUE(rows.values.empty());  // binary features
  const SyntheticGenerator g(s);
  std::vector<uint32_t> idx;
  for (uint64_t i = 0; i < count; ++i) {
    EXPECT_EQ(rows.y[i], g.sparse_row(0, first + i, idx));
    const std::vector<uint32_t> got(rows.indices.begin() + static_cast<long>(rows.indptr[i]),
                                    rows.indices.begin() + static_cast<long>(rows.indptr[i + 1]));
    EXPECT_EQ(got, idx);
  }
  EXPECT_FALSE(validate(rows, path, "train").has_value());
  w.barrier();
  if (w.rank() == 0) std::filesystem::remove(path);
}

TEST(DatasetIo, MissingFileFailsOnEveryRankWithTheFix) {
  try {
    Dataset::open("/nonexistent/pimscale.h5", MPI_COMM_WORLD);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pimscale data synth"), std::string::npos);
  }
}

TEST(DatasetIo, NonHdf5FileFailsOnEveryRank) {
  boost::mpi::communicator w;
  const std::string path = shared_temp("text");
  if (w.rank() == 0) std::ofstream(path) << "label,feature\n1,0.5\n";
  w.barrier();
  EXPECT_THROW(Dataset::open(path, MPI_COMM_WORLD), InputError);
  w.barrier();
  if (w.rank() == 0) std::filesystem::remove(path);
}

TEST(DatasetIo, OutOfRangeValuesAreReportedWithTheirRow) {
  DenseRows r{40, 2, 2, {0.5f, 0.25f, 1.5f, 0.0f}, {1, 0}};
  const auto e = validate(r, "f.h5", "train");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->find("row 41 feature 0 is 1.5"), std::string::npos) << *e;
  DenseRows bad_label{0, 1, 1, {0.5f}, {2}};
  EXPECT_NE(validate(bad_label, "f.h5", "test")->find("labels must be 0 or 1"), std::string::npos);
}

}  // namespace
}  // namespace pimscale
