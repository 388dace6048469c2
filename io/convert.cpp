#include "io/convert.h"

#include <mpi.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "io/dataset.h"
#include "io/dataset_writer.h"
#include "io/hash.h"
#include "io/input_file.h"
#include "src/base/error.h"

namespace pimscale {

namespace {
constexpr std::string_view kFormatNames[] = {"libsvm", "csv", "idx"};
}  // namespace

std::string_view format_name(InputFormat f) { return kFormatNames[static_cast<size_t>(f)]; }

std::optional<InputFormat> format_named(std::string_view name) {
  for (size_t i = 0; i < std::size(kFormatNames); ++i) {
    if (kFormatNames[i] == name) return static_cast<InputFormat>(i);
  }
  return std::nullopt;
}

namespace {

std::string fmt_label(double l) {
  std::ostringstream s;
  s << l;
  return s.str();
}

[[noreturn]] void fail_at(const std::string& path, uint64_t line, const std::string& what) {
  throw InputError(path + ":" + std::to_string(line) + ": " + what);
}

// A number as text: optional blanks around it, an optional '+'; finite, and within float's range
// once converted (the features are stored as float). Nothing for anything else.
std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Why a parsed number cannot be stored as a float feature or label, or nothing.
std::optional<std::string> unstorable(double v) {
  if (!std::isfinite(v)) return std::string("is not finite");
  if (std::fabs(v) > std::numeric_limits<float>::max()) return std::string("exceeds float's range");
  return std::nullopt;
}

// One CSV record as RFC 4180 has it: fields split by `delimiter`; a field in double quotes may
// hold delimiters, line breaks and "" for a quote; a record ends at LF or CRLF outside quotes. A
// quote inside an unquoted field is kept as a character (as Python's csv module does).
// False at the end of the file. `line` is the record's first line; `next_line` counts the lines it
// spans.
bool read_record(InputFile& in, char delimiter, std::vector<std::string>& fields,
                 uint64_t& next_line) {
  fields.clear();
  int c = in.get();
  if (c < 0) return false;
  const uint64_t line = next_line;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (;; c = in.get()) {
    if (quoted) {
      if (c < 0)
        fail_at(in.path(), line, "a quoted field is not closed before the end of the file");
      if (c == '"') {
        const int n = in.get();
        if (n == '"') {
          field.push_back('"');
          continue;
        }
        quoted = false;
        c = n;  // the character after the closing quote: a delimiter, a line end or the end
        if (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
          fail_at(in.path(), next_line,
                  "text after a closing quote; quote the whole field (\"a \"\"b\"\"\")");
        }
      } else {
        if (c == '\n') ++next_line;
        field.push_back(static_cast<char>(c));
        continue;
      }
    }
    if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
      continue;
    }
    if (c == '\r') {
      const int n = in.get();
      if (n != '\n' && n >= 0) fail_at(in.path(), next_line, "a carriage return inside a field");
      c = n;
    }
    if (c < 0 || c == '\n' || c == delimiter) {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      if (c == delimiter) continue;
      if (c == '\n') ++next_line;
      return true;
    }
    field.push_back(static_cast<char>(c));
  }
}

}  // namespace

RawRows read_libsvm(const std::string& path) {
  InputFile f(path, "--in");
  f.show_progress("data convert " + path);
  RawRows r;
  std::string line;
  bool zero_based = false;
  for (uint64_t n = 1; f.getline(line); ++n) {
    if (const size_t hash = line.find('#'); hash != std::string::npos)
      line.resize(hash);  // svmlight comments
    std::istringstream tokens(line);
    std::string tok;
    if (!(tokens >> tok)) continue;  // blank line
    const auto label = parse_number(tok);
    if (!label)
      fail_at(path, n,
              "label '" + tok + "' is not a number; LIBSVM lines are 'label index:value ...'");
    if (auto why = unstorable(*label)) fail_at(path, n, "label '" + tok + "' " + *why);
    int64_t previous = -1;
    while (tokens >> tok) {
      if (tok.rfind("qid:", 0) == 0) continue;  // svmlight query ids
      const size_t colon = tok.find(':');
      const auto index = colon == std::string::npos
                             ? std::nullopt
                             : parse_number(std::string_view(tok).substr(0, colon));
      const auto value = colon == std::string::npos
                             ? std::nullopt
                             : parse_number(std::string_view(tok).substr(colon + 1));
      if (!index || !value || *index < 0 || *index != std::floor(*index) || *index > 4294967294.0) {
        fail_at(path, n, "'" + tok + "' is not index:value with a non-negative integer index");
      }
      const int64_t i = static_cast<int64_t>(*index);
      if (i <= previous) fail_at(path, n, "indices must increase within a line (" + tok + ")");
      previous = i;
      if (i == 0) zero_based = true;
      if (auto why = unstorable(*value)) fail_at(path, n, "value in '" + tok + "' " + *why);
      if (*value == 0) continue;
      r.indices.push_back(static_cast<uint32_t>(i));
      r.values.push_back(static_cast<float>(*value));
    }
    r.labels.push_back(*label);
    r.indptr.push_back(r.indices.size());
  }
  if (r.labels.empty()) throw InputError("'" + path + "' has no LIBSVM rows");
  // LIBSVM indices start at 1; a file that uses index 0 is read as 0-based.
  if (!zero_based) {
    for (auto& i : r.indices) --i;
  }
  for (uint32_t i : r.indices) r.features = std::max<uint64_t>(r.features, uint64_t{i} + 1);
  return r;
}

RawRows read_csv(const std::string& path, int64_t label_column, char delimiter) {
  InputFile f(path, "--in");
  f.show_progress("data convert " + path);
  RawRows r;
  std::vector<std::string> cells;
  uint64_t columns = 0, next_line = 1;
  bool first = true;
  std::vector<double> v;
  for (uint64_t n = next_line; read_record(f, delimiter, cells, next_line); n = next_line) {
    if (cells.size() == 1 && cells[0].empty()) continue;  // a blank line
    v.clear();
    std::optional<size_t> bad;
    for (size_t c = 0; c < cells.size(); ++c) {
      const auto x = parse_number(cells[c]);
      if (!x && !bad) bad = c;
      v.push_back(x.value_or(0));
    }
    const bool header = first && bad.has_value();
    first = false;
    if (header) continue;  // the first record only
    if (bad) {
      fail_at(
          path, n,
          "column " + std::to_string(*bad + 1) + " '" + cells[*bad].substr(0, 40) +
              "' is not a number; CSV rows must be numeric (one header line is allowed)" +
              (delimiter == ',' && cells.size() == 1 ? "; pass --delimiter for ';' or tab" : ""));
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      if (auto why = unstorable(v[c]))
        fail_at(path, n, "column " + std::to_string(c + 1) + " '" + cells[c] + "' " + *why);
    }
    if (columns == 0) {
      columns = cells.size();
      if (columns < 2) fail_at(path, n, "a CSV row needs a label and at least one feature");
    }
    if (cells.size() != columns) {
      fail_at(path, n,
              "has " + std::to_string(cells.size()) + " columns, the first row has " +
                  std::to_string(columns));
    }
    const int64_t k =
        label_column < 0 ? static_cast<int64_t>(columns) + label_column : label_column;
    if (k < 0 || k >= static_cast<int64_t>(columns)) {
      fail_at(path, n,
              "--label-column " + std::to_string(label_column) + " is outside the " +
                  std::to_string(columns) + " columns");
    }
    uint32_t feature = 0;
    for (int64_t c = 0; c < static_cast<int64_t>(columns); ++c) {
      if (c == k) continue;
      if (v[c] != 0) {
        r.indices.push_back(feature);
        r.values.push_back(static_cast<float>(v[c]));
      }
      ++feature;
    }
    r.labels.push_back(v[k]);
    r.indptr.push_back(r.indices.size());
  }
  if (r.labels.empty()) throw InputError("'" + path + "' has no CSV rows");
  r.features = columns - 1;
  return r;
}

namespace {
uint32_t read_be32(InputFile& f) {
  unsigned char b[4];
  if (!f.read(b, 4)) throw InputError("'" + f.path() + "' is truncated (IDX header)");
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}
}  // namespace

RawRows read_idx(const std::string& images, const std::string& labels) {
  if (labels.empty())
    throw InputError(
        "IDX needs the labels file too: --in-labels FILE (and --test-labels with --test)");
  InputFile fi(images, "--in"), fl(labels, "--in-labels");
  fi.show_progress("data convert " + images);
  const uint32_t magic_i = read_be32(fi), magic_l = read_be32(fl);
  // Magic: 0x0000 08 NN, type 0x08 = unsigned byte, NN dimensions.
  if ((magic_i >> 8) != 0x08 || (magic_i & 0xff) < 2) {
    throw InputError("'" + images +
                     "' is not an IDX file of unsigned bytes with >= 2 dimensions (magic " +
                     std::to_string(magic_i) + ")");
  }
  if (magic_l != 0x801)
    throw InputError("'" + labels + "' is not an IDX label file (magic 0x00000801)");
  const uint32_t n = read_be32(fi);
  uint64_t per_row = 1;
  for (uint32_t d = 1; d < (magic_i & 0xff); ++d) {
    per_row *= read_be32(fi);
    if (per_row > (uint64_t{1} << 32)) {
      throw InputError("'" + images + "' declares rows of " + std::to_string(per_row) +
                       " bytes, more than 2^32 features");
    }
  }
  if (read_be32(fl) != n)
    throw InputError("'" + labels + "' and '" + images + "' hold different row counts");
  RawRows r;
  r.features = per_row;
  // Rows are read a block at a time: memory follows the bytes the file holds, not what its header
  // declares (a 16-byte header may claim 2^32-byte rows).
  std::vector<unsigned char> block(std::min<uint64_t>(per_row, uint64_t{1} << 16));
  for (uint32_t i = 0; i < n; ++i) {
    unsigned char label = 0;
    if (!fl.read(&label, 1)) {
      throw InputError("'" + labels + "' is truncated at row " + std::to_string(i));
    }
    for (uint64_t at = 0; at < per_row; at += block.size()) {
      const uint64_t take = std::min<uint64_t>(block.size(), per_row - at);
      if (!fi.read(block.data(), take)) {
        throw InputError("'" + images + "' is truncated at row " + std::to_string(i));
      }
      for (uint64_t j = 0; j < take; ++j) {
        if (block[j] == 0) continue;
        r.indices.push_back(static_cast<uint32_t>(at + j));
        r.values.push_back(static_cast<float>(block[j]));
      }
    }
    r.labels.push_back(label);
    r.indptr.push_back(r.indices.size());
  }
  return r;
}

namespace {

struct Split {
  RawRows rows;
  std::vector<uint8_t> y;
};

RawRows read_any(const ConvertOptions& o, const std::string& file, const std::string& labels) {
  switch (o.from) {
    case InputFormat::kLibsvm:
      return read_libsvm(file);
    case InputFormat::kCsv:
      return read_csv(file, o.label_column, o.delimiter);
    case InputFormat::kIdx:
      break;
  }
  return read_idx(file, labels);
}

// Appends row i of src (label and non-zeros) to dst.
void append_row(RawRows& dst, const RawRows& src, size_t i) {
  dst.labels.push_back(src.labels[i]);
  dst.indices.insert(dst.indices.end(), src.indices.begin() + static_cast<long>(src.indptr[i]),
                     src.indices.begin() + static_cast<long>(src.indptr[i + 1]));
  dst.values.insert(dst.values.end(), src.values.begin() + static_cast<long>(src.indptr[i]),
                    src.values.begin() + static_cast<long>(src.indptr[i + 1]));
  dst.indptr.push_back(dst.indices.size());
}

// Row i as `features` dense values.
void dense_row(const RawRows& r, size_t i, std::vector<float>& row) {
  std::fill(row.begin(), row.end(), 0.0f);
  for (uint64_t k = r.indptr[i]; k < r.indptr[i + 1]; ++k) row[r.indices[k]] = r.values[k];
}

// Keeps the rows whose label maps to a class (A -> 0, B -> 1).
Split keep_classes(const RawRows& in, double a, double b) {
  Split s;
  s.rows.features = in.features;
  for (size_t i = 0; i < in.labels.size(); ++i) {
    const double l = in.labels[i];
    if (l != a && l != b) continue;
    append_row(s.rows, in, i);
    s.y.push_back(l == b ? 1 : 0);
  }
  return s;
}

// Deterministic split by seed: row i goes to test if a hash of (seed, i) falls below the fraction.
std::pair<RawRows, RawRows> split_by_seed(const RawRows& all, double fraction, uint64_t seed) {
  RawRows parts[2];
  for (auto& p : parts) p.features = all.features;
  for (size_t i = 0; i < all.labels.size(); ++i) {
    const double u = hash::uniform01(hash::mix(hash::mix(seed) ^ i));
    append_row(parts[u < fraction ? 1 : 0], all, i);
  }
  return {std::move(parts[0]), std::move(parts[1])};
}

// Dense rows scaled by the training part's per-feature min and max (test values clamped to [0, 1];
// a constant feature becomes 0).
std::vector<float> dense_normalised(const RawRows& r, uint64_t features,
                                    const std::vector<float>& lo, const std::vector<float>& hi) {
  std::vector<float> x(r.labels.size() * features), row(features);
  for (size_t i = 0; i < r.labels.size(); ++i) {
    dense_row(r, i, row);
    for (uint64_t j = 0; j < features; ++j) {
      const float span = hi[j] - lo[j];
      x[i * features + j] = span > 0 ? std::clamp((row[j] - lo[j]) / span, 0.0f, 1.0f) : 0.0f;
    }
  }
  return x;
}

}  // namespace

std::string convert_dataset(const ConvertOptions& o) {
  if (!(o.test_fraction > 0 && o.test_fraction < 1) && o.test.empty()) {
    throw InputError("--test-fraction " + fmt_label(o.test_fraction) +
                     " must be in (0, 1): a dataset has a test split (or give --test FILE)");
  }
  RawRows train_raw, test_raw;
  if (!o.test.empty()) {
    train_raw = read_any(o, o.in, o.in_labels);
    test_raw = read_any(o, o.test, o.test_labels);
  } else {
    std::tie(train_raw, test_raw) =
        split_by_seed(read_any(o, o.in, o.in_labels), o.test_fraction, o.seed);
  }
  // Classes: given, or the two labels the data has (the smaller -> 0).
  std::pair<double, double> classes;
  if (o.classes) {
    classes = *o.classes;
    if (!(std::isfinite(classes.first) && std::isfinite(classes.second)) ||
        classes.first == classes.second) {
      throw InputError("--classes " + fmt_label(classes.first) + "," + fmt_label(classes.second) +
                       " must name two different finite labels A,B");
    }
  } else {
    std::set<double> seen(train_raw.labels.begin(), train_raw.labels.end());
    seen.insert(test_raw.labels.begin(), test_raw.labels.end());
    if (seen.size() != 2) {
      std::string list;
      for (double l : seen) list += (list.empty() ? "" : ", ") + fmt_label(l);
      throw InputError("'" + o.in + "' has " + std::to_string(seen.size()) + " distinct labels (" +
                       list.substr(0, 80) +
                       "); pick the two classes of a binary task with --classes A,B");
    }
    classes = {*seen.begin(), *seen.rbegin()};
  }
  Split train = keep_classes(train_raw, classes.first, classes.second);
  Split test = keep_classes(test_raw, classes.first, classes.second);
  if (train.y.empty())
    throw InputError("no training rows have the labels of --classes; check the class values");
  if (test.y.empty()) {
    throw InputError("no test rows have the labels of the two classes (" +
                     std::to_string(train.y.size()) +
                     " training rows do); use a larger --test-fraction or a --test file with them");
  }
  const uint64_t features = std::max(train.rows.features, test.rows.features);
  const bool dense = o.dense || o.from != InputFormat::kLibsvm;

  // Written by this rank alone (MPI_COMM_SELF).
  DatasetWriter writer(o.out, MPI_COMM_SELF, dense ? DataKind::kDense : DataKind::kSparse, features,
                       "pimscale data convert --from " + std::string(format_name(o.from)) +
                           " --in " + o.in +
                           (o.test.empty() ? " --test-fraction " + std::to_string(o.test_fraction) +
                                                 " --seed " + std::to_string(o.seed)
                                           : " --test " + o.test) +
                           (dense ? " (min-max normalised by the training part)" : ""));
  if (dense) {
    std::vector<float> lo(features, 0.0f), hi(features, 0.0f), row(features);
    bool first = true;
    for (size_t i = 0; i < train.y.size(); ++i) {
      dense_row(train.rows, i, row);
      for (uint64_t j = 0; j < features; ++j) {
        lo[j] = first ? row[j] : std::min(lo[j], row[j]);
        hi[j] = first ? row[j] : std::max(hi[j], row[j]);
      }
      first = false;
    }
    writer.write_dense("train", train.y.size(), 0, dense_normalised(train.rows, features, lo, hi),
                       train.y);
    writer.write_dense("test", test.y.size(), 0, dense_normalised(test.rows, features, lo, hi),
                       test.y);
  } else {
    auto binary = [](const RawRows& r) {
      return std::all_of(r.values.begin(), r.values.end(), [](float v) { return v == 1.0f; });
    };
    const bool all_binary = binary(train.rows) && binary(test.rows);
    writer.write_sparse("train", train.y.size(), 0, train.rows.indptr, train.rows.indices,
                        all_binary ? std::vector<float>{} : train.rows.values, train.y);
    writer.write_sparse("test", test.y.size(), 0, test.rows.indptr, test.rows.indices,
                        all_binary ? std::vector<float>{} : test.rows.values, test.y);
  }
  writer.commit();
  auto count1 = [](const std::vector<uint8_t>& y) { return std::count(y.begin(), y.end(), 1); };
  return "wrote " + o.out + " (" + (dense ? "dense" : "sparse") + ", " + std::to_string(features) +
         " features, " + std::to_string(train.y.size()) + " train rows (" +
         std::to_string(count1(train.y)) + " positive), " + std::to_string(test.y.size()) +
         " test rows; class " + fmt_label(classes.first) + " -> 0, " + fmt_label(classes.second) +
         " -> 1)";
}

void export_libsvm(const std::string& in, const std::string& split, const std::string& out) {
  const Dataset d = Dataset::open(in, MPI_COMM_SELF);
  const uint64_t rows = d.rows(split);
  const bool dense = d.kind() == DataKind::kDense;
  // Read and checked whole before anything is written.
  DenseRows x;
  SparseRows csr;
  const std::optional<std::string> error =
      dense ? validate(x = d.read_dense(split, 0, rows), in, split)
            : validate(csr = d.read_sparse(split, 0, rows), in, split);
  if (error) throw InputError(*error);
  std::ofstream f(out + ".tmp");
  char buf[32];
  auto value = [&](float v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  };
  for (uint64_t i = 0; i < rows; ++i) {
    f << ((dense ? x.y[i] : csr.y[i]) == 1 ? "+1" : "-1");
    if (dense) {
      for (uint64_t j = 0; j < x.features; ++j) {
        if (x.x[i * x.features + j] != 0)
          f << ' ' << j + 1 << ':' << value(x.x[i * x.features + j]);
      }
    } else {
      for (uint64_t k = csr.indptr[i]; k < csr.indptr[i + 1]; ++k) {
        f << ' ' << csr.indices[k] + 1 << ':' << (csr.values.empty() ? "1" : value(csr.values[k]));
      }
    }
    f << '\n';
  }
  f.close();
  if (!f) {
    std::filesystem::remove(out + ".tmp");
    throw InputError("cannot write '" + out + "'; check the folder and free space");
  }
  std::filesystem::rename(out + ".tmp", out);
}

}  // namespace pimscale
