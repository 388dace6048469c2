// The allocator of the host memory holding what the emulated DPUs keep in MRAM and read at random
// or in long streams (a server's training rows, the exp table). Every element is written once by
// its owner, so resizing does not zero it first (a 1 GiB shard's zero-fill cost a pass over memory
// and a page fault per 4 KiB page before the first row arrived), and buffers of 2 MiB or more ask
// the kernel for transparent huge pages (one fault per 2 MiB; honoured where
// /sys/kernel/mm/transparent_hugepage/enabled is `madvise` or `always`, ignored elsewhere). Values
// are those the code writes: an element never written holds garbage, so every writer writes every
// element (padding included).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace pimscale {

template <class T>
struct MramAllocator {
  static_assert(std::is_trivially_copyable_v<T>);
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  MramAllocator() = default;
  template <class U>
  explicit MramAllocator(const MramAllocator<U>& /*other*/) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return std::allocator<T>{}.allocate(n);
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without huge pages it runs on 4 KiB ones
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePage) {
      std::allocator<T>{}.deallocate(p, n);
    } else {
      std::free(p);  // NOLINT(cppcoreguidelines-no-malloc): aligned_alloc's memory
    }
  }
  // resize() and the size constructor leave elements unwritten (default-initialised); a value given
  // is copied as usual.
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  friend bool operator==(const MramAllocator&, const MramAllocator&) { return true; }
};

// A vector on MramAllocator: model-sized arrays read and written at random (a model, its sums, the
// slots of its entries), where 4 KiB pages cost a TLB miss on most accesses.
template <class T>
using MramVector = std::vector<T, MramAllocator<T>>;

}  // namespace pimscale
