// libFuzzer target: LIBSVM/svmlight text (plain or gzip) through read_libsvm. Any input must end in
// rows or an InputError; nothing else (a crash, a hang, another exception) is acceptable.
#include "io/convert.h"
#include "src/base/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = pimscale::fuzz::bytes_file(data, size, ".libsvm");
  try {
    const pimscale::RawRows r = pimscale::read_libsvm(path);
    if (r.indptr.size() != r.labels.size() + 1 || r.indptr.back() != r.indices.size() ||
        r.values.size() != r.indices.size()) {
      std::abort();  // rows that do not hang together
    }
    for (uint32_t i : r.indices) {
      if (i >= r.features) std::abort();
    }
  } catch (const pimscale::Error&) {
  }
  return 0;
}
