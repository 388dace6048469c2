// The converters' parsers on small files whose rows can be checked by eye.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/convert.h"
#include "src/base/error.h"

namespace pimscale {
namespace {

std::string temp_file(const std::string& name, const std::string& bytes) {
  const auto p = std::filesystem::temp_directory_path() / ("pimscale_convert_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

TEST(Convert, LibsvmIsOneBasedSparseWithComments) {
  const RawRows r =
      read_libsvm(temp_file("a.libsvm", "+1 1:0.5 3:2 # comment\n\n-1 2:1 qid:3 4:0\n"));
  ASSERT_EQ(r.labels, (std::vector<double>{1, -1}));
  EXPECT_EQ(r.indptr, (std::vector<uint64_t>{0, 2, 3}));  // the explicit 4:0 is not stored
  EXPECT_EQ(r.indices, (std::vector<uint32_t>{0, 2, 1}));
  EXPECT_EQ(r.values, (std::vector<float>{0.5f, 2.0f, 1.0f}));
  EXPECT_EQ(r.features, 3u);
}

TEST(Convert, LibsvmRejectsDecreasingIndicesWithTheLine) {
  try {
    read_libsvm(temp_file("b.libsvm", "1 1:1\n0 3:1 2:1\n"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("b.libsvm:2: indices must increase"), std::string::npos)
        << e.what();
  }
}

TEST(Convert, CsvSkipsAHeaderAndTakesTheLabelColumn) {
  const RawRows r = read_csv(temp_file("c.csv", "f1,label,f2\n0.5,1,3\n0,0,7\n"), 1);
  EXPECT_EQ(r.labels, (std::vector<double>{1, 0}));
  EXPECT_EQ(r.features, 2u);
  EXPECT_EQ(r.indices, (std::vector<uint32_t>{0, 1, 1}));
  EXPECT_EQ(r.values, (std::vector<float>{0.5f, 3.0f, 7.0f}));
  EXPECT_EQ(read_csv(temp_file("d.csv", "1,2,9\n"), -1).labels, (std::vector<double>{9}));
}

TEST(Convert, IdxImagesAndLabels) {
  // Two 2x2 images of unsigned bytes (magic 0x00000803) and their labels (magic 0x00000801), big
  // endian.
  const std::string images = std::string("\0\0\x08\x03\0\0\0\x02\0\0\0\x02\0\0\0\x02", 16) +
                             std::string("\x00\x10\xff\x00\x01\x00\x00\x02", 8);
  const std::string labels = std::string("\0\0\x08\x01\0\0\0\x02", 8) + std::string("\x07\x03", 2);
  const RawRows r = read_idx(temp_file("i.idx", images), temp_file("l.idx", labels));
  EXPECT_EQ(r.features, 4u);
  EXPECT_EQ(r.labels, (std::vector<double>{7, 3}));
  EXPECT_EQ(r.indptr, (std::vector<uint64_t>{0, 2, 4}));
  EXPECT_EQ(r.indices, (std::vector<uint32_t>{1, 2, 0, 3}));
  EXPECT_EQ(r.values, (std::vector<float>{16, 255, 1, 2}));
  EXPECT_THROW(read_idx(temp_file("i2.idx", images), temp_file("i3.idx", images)),
               InputError);  // not labels
}

}  // namespace
}  // namespace pimscale
