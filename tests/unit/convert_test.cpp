// The converters' parsers on small files whose rows can be checked by eye.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

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

// The message of `parse`'s InputError, or "" when it does not throw one.
template <class Parse>
std::string error_of(Parse&& parse) {
  try {
    parse();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// RFC 4180: quoted fields hold delimiters, line breaks and "" for a quote; CRLF ends records; a BOM
// is skipped; the delimiter is chosen. Line numbers count the line breaks inside quotes.
TEST(Convert, CsvReadsQuotedFieldsCrlfBomAndOtherDelimiters) {
  const RawRows r = read_csv(
      temp_file("q.csv",
                "\xEF\xBB\xBF\"x;1\";\"x\"\"2\";\"the\nlabel\"\r\n\"0.5\";2;1\r\n0;0.25;0\r\n"),
      -1, ';');
  EXPECT_EQ(r.labels, (std::vector<double>{1, 0}));
  EXPECT_EQ(r.indptr, (std::vector<uint64_t>{0, 2, 3}));
  EXPECT_EQ(r.values, (std::vector<float>{0.5f, 2.0f, 0.25f}));
  EXPECT_EQ(r.features, 2u);
  // Without its BOM skipped, the first cell "\xEF\xBB\xBF1" would not be a number.
  EXPECT_EQ(read_csv(temp_file("bom.csv",
                               "\xEF\xBB\xBF"
                               "1,0\n0,1\n"),
                     -1)
                .labels.size(),
            2u);
  EXPECT_NE(error_of([] {
              read_csv(temp_file("line.csv", "a,\"b\nc\"\n1,x\n"), -1);
            }).find("line.csv:3: column 2 'x' is not a number"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              read_csv(temp_file("open.csv", "1,\"2\n"), -1);
            }).find("open.csv:1: a quoted field is not closed"),
            std::string::npos);
}

// One header line only; numbers must be finite and fit a float; the error names file:line.
TEST(Convert, CsvTakesOneHeaderAndRejectsNonFiniteValues) {
  EXPECT_NE(error_of([] {
              read_csv(temp_file("h2.csv", "a,b\nc,d\n1,0\n"), -1);
            }).find("h2.csv:2: column 1 'c' is not a number"),
            std::string::npos);
  for (const char* v : {"nan", "inf", "-inf", "1e308"}) {
    const std::string e =
        error_of([&] { read_csv(temp_file("nf.csv", std::string("1,0\n") + v + ",1\n"), -1); });
    EXPECT_NE(e.find("nf.csv:2: column 1 '" + std::string(v) + "'"), std::string::npos) << e;
  }
  EXPECT_NE(error_of([] {
              read_libsvm(temp_file("nan.libsvm", "1 1:1\nnan 2:1\n"));
            }).find("nan.libsvm:2: label 'nan' is not finite"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              read_libsvm(temp_file("inf.libsvm", "1 1:inf\n"));
            }).find("inf.libsvm:1: value in '1:inf' is not finite"),
            std::string::npos);
}

// gzip-compressed input is read directly, whatever its name; one cut short is an error.
TEST(Convert, GzipInputsAreReadAndATruncatedOneIsAnError) {
  const std::string plain = temp_file("z.libsvm", "+1 1:0.5 3:2\n-1 2:1\n");
  const std::string gz = plain + ".gz";
  std::filesystem::remove(gz);
  ASSERT_EQ(std::system(("gzip -k -f " + plain).c_str()), 0);
  const RawRows a = read_libsvm(plain), b = read_libsvm(gz);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.values, b.values);
  std::ifstream in(gz, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = temp_file("cut.gz", bytes.substr(0, bytes.size() - 12));
  EXPECT_NE(error_of([&] { read_libsvm(cut); }).find("unexpected end of file"), std::string::npos);
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
