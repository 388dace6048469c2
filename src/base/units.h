// Distinct types for emulated time, cycles and bytes, so every conversion names its rate.
// Not responsible for wall-clock time, which never enters emulated time.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>

namespace pimscale {

// Emulated time in integer picoseconds: sums are exact and identical on every machine.
struct Picoseconds {
  int64_t value = 0;

  constexpr Picoseconds& operator+=(Picoseconds o) {
    value += o.value;
    return *this;
  }
  friend constexpr Picoseconds operator+(Picoseconds a, Picoseconds b) {
    return {a.value + b.value};
  }
  friend constexpr Picoseconds operator-(Picoseconds a, Picoseconds b) {
    return {a.value - b.value};
  }
  // clang-tidy 14 reads the defaulted <=> as a literal 0 pointer.
  friend constexpr auto operator<=>(Picoseconds,
                                    Picoseconds) = default;  // NOLINT(modernize-use-nullptr)
  constexpr double seconds() const { return static_cast<double>(value) * 1e-12; }
};

// Rounds a duration given in seconds to the picosecond.
inline Picoseconds from_seconds(double s) { return {std::llround(s * 1e12)}; }

// DPU cycles converted at the DPU clock: t = cycles / f.
inline Picoseconds cycles_to_time(double cycles, double frequency_mhz) {
  return {std::llround(cycles * 1e6 / frequency_mhz)};
}

// Bytes moved at a bandwidth in GB/s (10^9 bytes per second): t = bytes / bw.
inline Picoseconds bytes_at_gbps(double bytes, double gigabytes_per_s) {
  return {std::llround(bytes * 1e3 / gigabytes_per_s)};
}

}  // namespace pimscale
