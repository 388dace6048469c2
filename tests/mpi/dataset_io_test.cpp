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
#include "tests/support/stored_file.h"

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
  DenseRows r{40, 2, 2, {0.5f, 0.25f, 1.5f, 0.0f}, {1, 0}, {}};
  const auto e = validate(r, "f.h5", "train");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->find("row 41 feature 0 is 1.5"), std::string::npos) << *e;
  DenseRows bad_label{0, 1, 1, {0.5f}, {2}, {}};
  EXPECT_NE(validate(bad_label, "f.h5", "test")->find("labels must be 0 or 1"), std::string::npos);
}

// A StoredFile (tests/support/stored_file.h) that rank 0 writes while the others wait in done(),
// removed when the test ends.
class StoredFile : public test_support::StoredFile {
 public:
  StoredFile(const std::string& name, const std::string& kind, double features,
             bool variable_strings = true)
      : test_support::StoredFile(shared_temp(name), kind, features,
                                 boost::mpi::communicator().rank() == 0, variable_strings),
        path_(shared_temp(name)) {}
  // Closes the file on rank 0; every rank then opens it.
  std::string done() {
    close();
    boost::mpi::communicator().barrier();
    return path_;
  }
  ~StoredFile() {
    boost::mpi::communicator().barrier();
    if (boost::mpi::communicator().rank() == 0) std::filesystem::remove(path_);
  }

 private:
  std::string path_;
};

// Every rank reads `split` whole (so every rank has the message) and the message must contain
// `expected`.
template <class Rows>
void expect_bad(const Dataset& d, const std::string& split, const std::string& expected) {
  Rows rows;
  if constexpr (std::is_same_v<Rows, DenseRows>) {
    rows = d.read_dense(split, 0, d.rows(split));
  } else {
    rows = d.read_sparse(split, 0, d.rows(split));
  }
  const auto e = validate(rows, d.path(), split);
  ASSERT_TRUE(e.has_value()) << "no error, expected " << expected;
  EXPECT_NE(e->find(expected), std::string::npos) << *e;
}

// Values are checked in the type they are stored in: HDF5's own conversion would read a label 0.5
// as 0, -1 as 0 (unsigned) and a feature 1.0000001 (double) as 1.0f.
TEST(DatasetIo, StoredValuesAreCheckedBeforeConversion) {
  StoredFile f("typed_dense", "dense", 2.0);  // features as a float attribute: 2.0 is whole
  f.put("/train/X", H5T_IEEE_F64LE, {3, 2}, {0.5, 0.25, 0, 1, 0.75, 1.0000001});
  f.put("/train/y", H5T_IEEE_F32LE, {3}, {1, 0, 0.5});
  f.put("/test/X", H5T_STD_U8LE, {2, 2}, {0, 1, 1, 0});  // integers 0 and 1 are valid features
  f.put("/test/y", H5T_STD_I8LE, {2}, {1, -1});
  const Dataset d = Dataset::open(f.done(), MPI_COMM_WORLD);  // variable-length strings too
  EXPECT_EQ(d.features(), 2u);
  expect_bad<DenseRows>(d, "train", "/train/X row 2 feature 1 is 1.0000001");
  expect_bad<DenseRows>(d, "test", "/test/y row 1 is -1; labels must be 0 or 1");
  // The labels alone: rows 0 and 1 of train are valid, row 2's 0.5 is not.
  DenseRows first_two = d.read_dense("train", 0, 2);
  EXPECT_FALSE(validate(first_two, d.path(), "train").has_value());
  EXPECT_EQ(first_two.y, (std::vector<uint8_t>{1, 0}));
}

TEST(DatasetIo, SparseOffsetsIndicesAndLabelsAreCheckedInTheirStoredType) {
  StoredFile f("typed_sparse", "sparse", 10, false);
  f.put("/train/indptr", H5T_STD_I64LE, {4}, {0, 2, 3, 5});
  f.put("/train/indices", H5T_STD_I64LE, {5}, {1, 9, 4, -1, 2});
  f.put("/train/values", H5T_IEEE_F64LE, {5}, {1, 1, 1, 1, 1});
  f.put("/train/y", H5T_STD_I32LE, {3}, {0, 1, 1});
  f.put("/test/indptr", H5T_STD_I64LE, {3}, {0, -3, 1});
  f.put("/test/indices", H5T_STD_U16LE, {1}, {3});  // no /test/values: binary, train's are read
  f.put("/test/y", H5T_IEEE_F64LE, {2}, {0, 1});
  const Dataset d = Dataset::open(f.done(), MPI_COMM_WORLD);
  expect_bad<SparseRows>(d, "train", "/train/indices row 2 has feature -1");
  expect_bad<SparseRows>(d, "test", "/test/indptr entry 1 is -3; offsets must be >= 0");
  const SparseRows two = d.read_sparse("train", 0, 2);
  EXPECT_FALSE(validate(two, d.path(), "train").has_value());
  EXPECT_EQ(two.indices, (std::vector<uint32_t>{1, 9, 4}));
  EXPECT_EQ(two.values.size(), 3u);  // /train/values is read although /test has none
}

// Offsets past the end of /indices on the last rank's rows only: that rank's message, and every
// rank still makes the same reads (an HDF5 read past the end would fail on one rank and hang the
// others).
TEST(DatasetIo, OffsetsPastTheIndicesAreNamedWithoutAHang) {
  boost::mpi::communicator w;
  StoredFile f("past_end", "sparse", 10);
  f.put("/train/indptr", H5T_STD_U64LE, {5}, {0, 1, 2, 3, 40});
  f.put("/train/indices", H5T_STD_U32LE, {4}, {0, 1, 2, 3});
  f.put("/train/y", H5T_STD_U8LE, {4}, {0, 1, 0, 1});
  f.put("/test/indptr", H5T_STD_U64LE, {1}, {0});
  f.put("/test/indices", H5T_STD_U32LE, {0}, {});
  f.put("/test/y", H5T_STD_U8LE, {0}, {});
  const Dataset d = Dataset::open(f.done(), MPI_COMM_WORLD);
  const bool last = w.rank() == w.size() - 1;
  const SparseRows rows = d.read_sparse("train", last ? 3 : 0, 1);
  const auto e = validate(rows, d.path(), "train");
  EXPECT_EQ(e.has_value(), last);
  if (last) {
    EXPECT_NE(e->find("/train/indptr of rows 3..4 spans entries 3..40, outside the 4"),
              std::string::npos)
        << *e;
  }
}

TEST(DatasetIo, AFractionalFeaturesAttributeFailsOnEveryRank) {
  StoredFile f("fractional", "dense", 32.7);
  f.put("/train/X", H5T_IEEE_F32LE, {1, 32}, std::vector<double>(32, 0.5));
  f.put("/train/y", H5T_STD_U8LE, {1}, {1});
  const std::string path = f.done();
  try {
    Dataset::open(path, MPI_COMM_WORLD);
    ADD_FAILURE() << "a features attribute of 32.7 was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(
        std::string(e.what()).find("attribute features must be a whole number >= 0, not 32.7"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace pimscale
