// The DPU's exp: a 2^20-entry float table of 2^f, f in [0, 1) (that is, exp over [0, ln 2)), with
// range reduction exp(x) = 2^k * 2^f. Built once per run, kept in MRAM, broadcast at start-up. Not
// responsible for timing (kernels count its events) or for the sigmoid around it.
#pragma once

#include <cstdint>
#include <vector>

#include "pim_emul/mram_allocator.h"

namespace pimscale {

class ExpTable {
 public:
  static constexpr int kLog2Entries = 20;
  static constexpr uint64_t kEntries = uint64_t{1} << kLog2Entries;
  static constexpr uint64_t kBytes = kEntries * sizeof(float);

  ExpTable();  // table[i] = (float) 2^(i / 2^20), computed in double

  // exp(x): t = x * log2(e) (float); k = floor(t); f = t - k; i = round-half-up(f * 2^20) (the
  // address rule of PIM-Opt's TransPimLib tables), i = 2^20 wraps to 0 with k + 1; result =
  // ldexpf(table[i], k).
  float exp(float x) const;
  float entry(uint64_t i) const { return table_[i]; }

 private:
  std::vector<float, MramAllocator<float>> table_;  // 4 MiB read at random: huge pages
};

}  // namespace pimscale
