// The host's sums over a server's DPUs of a per-DPU vector held as DpuModel holds a model (every
// entry per DPU, or a shared base plus the entries each DPU holds): MA-SGD's sums of models and
// ADMM's of w_i and u_i. Bit for bit the sum of full per-DPU vectors in DPU order. Not responsible
// for what the vectors mean.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "node/thread_pool.h"
#include "pim_emul/kernels.h"

namespace pimscale {

// What sum_over_dpus keeps between calls, so that rounds after the first allocate nothing.
struct DpuSumScratch {
  std::vector<uint32_t> held;     // [n + 1] (float)
  std::vector<uint64_t> start;    // [n + 1] (float)
  std::vector<uint64_t> next;     // [n] (float)
  std::vector<uint32_t> dpu, at;  // [held entries] (float)
};

// Fetches the lines of sums[j] (to be written) and base[j] for the entry j kPrefetch places after k
// in `index`: both are model-sized arrays met at random.
template <class Index, class Wide, class Weight>
void fetch_ahead(const Index& index, size_t k, Wide* sums, const Weight* base) {
  if (k + kPrefetch >= index.size()) return;
  __builtin_prefetch(sums + index[k + kPrefetch], 1);
  __builtin_prefetch(base + index[k + kPrefetch]);
}

// Integers: sums[j] += each DPU's held entry j's difference from base[j], DPU by DPU.
template <class Num, class IndexOf, class ValuesOf>
void add_held_differences(size_t dpus, std::span<const typename Num::Weight> base,
                          IndexOf&& index_of, ValuesOf&& values_of, typename Num::Wide* sums) {
  using Wide = typename Num::Wide;
  for (size_t d = 0; d < dpus; ++d) {
    const auto& index = index_of(d);
    const auto& v = values_of(d);
    for (size_t k = 0; k < index.size(); ++k) {
      fetch_ahead(index, k, sums, base.data());
      sums[index[k]] += static_cast<Wide>(v[k]) - static_cast<Wide>(base[index[k]]);
    }
  }
}

// Integers: sum_over_dpus's sums at the entries some DPU holds (each DPU's base, then the held
// differences), the others left as they are; `listed` gets those entries, with repeats. A DPU whose
// after_of(d) lists, beside its entries, the base's values there (DpuModel::after) is summed from
// it instead of reading the base at random.
template <class Num, class IndexOf, class ValuesOf, class AfterOf>
void sum_held_over_dpus(size_t dpus, std::span<const typename Num::Weight> base, IndexOf&& index_of,
                        ValuesOf&& values_of, AfterOf&& after_of, typename Num::Wide* sums,
                        std::vector<uint32_t>& listed) {
  using Wide = typename Num::Wide;
  const auto copies = static_cast<Wide>(dpus);
  listed.clear();
  for (size_t d = 0; d < dpus; ++d) {
    const auto& index = index_of(d);
    const auto& after = after_of(d);
    listed.insert(listed.end(), index.begin(), index.end());
    if (after.size() == index.size()) {
      for (size_t k = 0; k < index.size(); ++k) {
        if (k + kPrefetch < index.size()) __builtin_prefetch(sums + index[k + kPrefetch], 1);
        sums[index[k]] = Wide{after[k]} * copies;
      }
    } else {
      for (size_t k = 0; k < index.size(); ++k) {
        fetch_ahead(index, k, sums, base.data());
        sums[index[k]] = Wide{base[index[k]]} * copies;
      }
    }
  }
  for (size_t d = 0; d < dpus; ++d) {
    const auto& index = index_of(d);
    const auto& after = after_of(d);
    const auto& v = values_of(d);
    if (after.size() != index.size()) {
      add_held_differences<Num>(
          1, base, [&](size_t) -> const auto& { return index; },
          [&](size_t) -> const auto& { return v; }, sums);
      continue;
    }
    for (size_t k = 0; k < index.size(); ++k) {
      if (k + kPrefetch < index.size()) __builtin_prefetch(sums + index[k + kPrefetch], 1);
      sums[index[k]] += static_cast<Wide>(v[k]) - static_cast<Wide>(after[k]);
    }
  }
}

// sums[j] += v[j] for j < n, widened.
template <class Wide, class Weight>
void add_widened(Wide* sums, const Weight* v, size_t n) {
  for (size_t j = 0; j < n; ++j) sums[j] += static_cast<Wide>(v[j]);  // vectorised
}

// sums[j], j < n, = the sum over DPUs d = 0, 1, ... in that order (from Wide{0}) of entry j of DPU
// d's vector: values_of(d)[k] where index_of(d)[k] == j, else base[j]. An empty `base` means every
// DPU holds every entry (index_of(d) is then not read and values_of(d) has n entries).
// Integers add in any order, so the base is added once per DPU and each held entry's difference
// from it after; floats add in DPU order, each run of DPUs on the base at once
// (Num::add_repeated), the rest one by one.
template <class Num, class IndexOf, class ValuesOf>
void sum_over_dpus(ThreadPool& pool, uint64_t n, size_t dpus,
                   std::span<const typename Num::Weight> base, IndexOf&& index_of,
                   ValuesOf&& values_of, typename Num::Wide* sums, DpuSumScratch& scratch) {
  using Wide = typename Num::Wide;
  constexpr size_t kBlock = 4096;
  const size_t blocks = (n + kBlock - 1) / kBlock;
  if (base.empty()) {  // full vectors: block by block of entries over the pool's threads
    auto block = [&](size_t b) {
      const size_t lo = b * kBlock, hi = std::min<size_t>(n, lo + kBlock);
      std::fill(sums + lo, sums + hi, Wide{0});
      for (size_t d = 0; d < dpus; ++d) {
        add_widened(sums + lo, values_of(d).data() + lo, hi - lo);
      }
    };
    pool.parallel_for(blocks, block);
    return;
  }
  if constexpr (!Num::kFloat) {
    // Exact integers: every DPU's base, then each held entry's difference from it.
    const auto copies = static_cast<int32_t>(dpus);  // a widening multiply of two 32-bit values
    for (size_t j = 0; j < n; ++j) {                 // vectorised
      sums[j] = Wide{base[j]} * Wide{copies};
    }
    add_held_differences<Num>(dpus, base, index_of, values_of, sums);
  } else {
    // held[j]: how many DPUs hold entry j apart from the base.
    std::vector<uint32_t>& held = scratch.held;
    held.assign(n + 1, 0);
    for (size_t d = 0; d < dpus; ++d) {
      for (const uint32_t j : index_of(d)) ++held[j];
    }
    // The held entries grouped by j, in DPU order within each j: (DPU, position) pairs.
    std::vector<uint64_t>& start = scratch.start;
    start.assign(n + 1, 0);
    for (size_t j = 0; j < n; ++j) start[j + 1] = start[j] + held[j];
    std::vector<uint32_t>&dpu = scratch.dpu, &at = scratch.at;
    dpu.resize(start[n]);
    at.resize(start[n]);
    std::vector<uint64_t>& next = scratch.next;
    next.assign(start.begin(), start.end() - 1);
    for (size_t d = 0; d < dpus; ++d) {
      const auto& index = index_of(d);
      for (size_t k = 0; k < index.size(); ++k) {
        const uint64_t p = next[index[k]]++;
        dpu[p] = static_cast<uint32_t>(d);
        at[p] = static_cast<uint32_t>(k);
      }
    }
    auto block = [&](size_t b) {
      const size_t lo = b * kBlock, hi = std::min<size_t>(n, lo + kBlock);
      for (size_t j = lo; j < hi; ++j) {
        Wide s{0};
        uint64_t after = 0;  // the next DPU not yet added
        for (uint64_t p = start[j]; p < start[j + 1]; ++p) {
          s = Num::add_repeated(s, base[j], dpu[p] - after);
          s += static_cast<Wide>(values_of(dpu[p])[at[p]]);
          after = dpu[p] + 1;
        }
        sums[j] = Num::add_repeated(s, base[j], dpus - after);
      }
    };
    pool.parallel_for(blocks, block);
  }
}

}  // namespace pimscale
