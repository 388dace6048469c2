// Converting LIBSVM/svmlight text, CSV and IDX (MNIST-style) files into pimscale datasets: binary
// labels, a train/test split, min-max normalisation of dense features to [0, 1] from the training
// part only. Not responsible for the HDF5 layout (dataset_writer.h). Runs on one rank.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pimscale {

// The text and binary formats `data convert` reads.
enum class InputFormat { kLibsvm, kCsv, kIdx };
std::string_view format_name(InputFormat f);  // libsvm, csv or idx
std::optional<InputFormat> format_named(std::string_view name);

struct ConvertOptions {
  InputFormat from = InputFormat::kLibsvm;
  std::string in;           // libsvm/csv file, or IDX images
  std::string in_labels;    // IDX labels
  std::string test;         // optional separate test file (IDX: images)
  std::string test_labels;  // IDX test labels
  double test_fraction =
      0.2;  // without --test: the fraction of rows drawn (by seed) into the test split
  uint64_t seed = 1;
  int64_t label_column = -1;  // CSV: 0-based; negative counts from the end (-1: last)
  char delimiter = ',';       // CSV: the field separator
  std::optional<std::pair<double, double>>
      classes;         // labels A -> 0, B -> 1; rows of other labels dropped
  bool dense = false;  // LIBSVM: write dense rows (normalised) instead of CSR
  std::string out;
};

// Rows as parsed, before labels are mapped and features normalised: CSR with raw labels.
struct RawRows {
  std::vector<double> labels;
  std::vector<uint64_t> indptr{0};
  std::vector<uint32_t> indices;
  std::vector<float> values;
  uint64_t features = 0;  // 1 + the largest index seen
};

// Parsers of plain or gzip-compressed files (input_file.h): throw InputError "FILE:LINE: problem;
// fix" for malformed input, a non-finite number or one beyond float's range. LIBSVM as liblinear
// reads it (plus svmlight comments and qid, and 0-based indices when index 0 appears). CSV per RFC
// 4180 with `delimiter`; the first record may be a header, no other.
RawRows read_libsvm(const std::string& path);
RawRows read_csv(const std::string& path, int64_t label_column, char delimiter = ',');
RawRows read_idx(const std::string& images, const std::string& labels);

// Parses, splits, maps labels, normalises and writes opts.out (through a temporary file). Throws
// InputError. Returns a one-line summary.
std::string convert_dataset(const ConvertOptions& opts);

// Writes split "train" or "test" of a pimscale dataset as LIBSVM text (labels +1/-1, 1-based
// indices), for reference trainers such as liblinear.
void export_libsvm(const std::string& in, const std::string& split, const std::string& out);

}  // namespace pimscale
