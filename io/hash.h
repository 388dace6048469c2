// Counter-based randomness for io/: a splitmix64 mix of (seed, counters), so every draw depends
// only on its indices and never on how work is split over ranks. Not a general-purpose generator.
#pragma once

#include <cstdint>

namespace pimscale::hash {

// splitmix64's finaliser: a bijective mix of 64 bits.
constexpr uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform double in [0, 1) from 53 bits of h.
constexpr double uniform01(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

}  // namespace pimscale::hash
