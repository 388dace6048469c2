// libFuzzer target: CSV (RFC 4180, plain or gzip) through read_csv. The first byte chooses the
// delimiter and the label column; the rest is the file.
#include <cmath>

#include "io/convert.h"
#include "src/base/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char delimiters[] = {',', ';', '\t', '|'};
  const char delimiter = delimiters[data[0] % 4];
  const int64_t label_column = static_cast<int64_t>((data[0] >> 2) % 4) - 2;  // -2 .. 1
  const std::string path = pimscale::fuzz::bytes_file(data + 1, size - 1, ".csv");
  try {
    const pimscale::RawRows r = pimscale::read_csv(path, label_column, delimiter);
    if (r.indptr.size() != r.labels.size() + 1 || r.values.size() != r.indices.size()) std::abort();
    for (float v : r.values) {
      if (!std::isfinite(v)) std::abort();  // non-finite numbers must be refused
    }
  } catch (const pimscale::Error&) {
  }
  return 0;
}
