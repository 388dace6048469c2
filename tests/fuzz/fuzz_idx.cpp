// libFuzzer target: IDX images and labels (plain or gzip) through read_idx. The first byte splits
// the input into the two files.
#include "io/convert.h"
#include "src/base/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t split = std::min<size_t>(size - 1, data[0]);
  const std::string labels = pimscale::fuzz::bytes_file(data + 1, split, ".idx", 1);
  const std::string images =
      pimscale::fuzz::bytes_file(data + 1 + split, size - 1 - split, ".idx", 2);
  try {
    const pimscale::RawRows r = pimscale::read_idx(images, labels);
    if (r.indptr.size() != r.labels.size() + 1) std::abort();
  } catch (const pimscale::Error&) {
  }
  return 0;
}
