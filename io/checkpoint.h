// Checkpoints of a training run: each rank's state as bytes (StateArchive), and the checkpoint
// folder that holds them (a meta.json and one state file per rank), replaced atomically. Not
// responsible for what the state is (node/ and src/algorithms say what they keep) or for when a
// checkpoint is taken (src/commands/train.cpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "src/base/error.h"

namespace pimscale {

// One object that writes state or reads it back, so each class says what it keeps once: `a(x)`
// appends x's bytes when writing and overwrites x when reading. Takes trivially copyable values,
// and vectors of them or of vectors (length first). Reading checks every length against the bytes
// left before it allocates, and past the end throws InputError naming `what`.
class StateArchive {
 public:
  static StateArchive writer() { return StateArchive(); }
  static StateArchive reader(std::vector<char> bytes, std::string what);

  bool reading() const { return reading_; }

  template <class T>
  void operator()(T& v) {
    if constexpr (is_vector<T>::value) {
      uint64_t n = v.size();
      (*this)(n);
      if (reading_) {
        using E = typename T::value_type;
        // Each element takes at least its own bytes (a vector: its length).
        const uint64_t least = is_vector<E>::value ? sizeof(uint64_t) : sizeof(E);
        if (n > left() / least) truncated();
        v.resize(n);
      }
      if constexpr (std::is_trivially_copyable_v<typename T::value_type> &&
                    !std::is_same_v<typename T::value_type, bool>) {
        bytes(v.data(), n * sizeof(typename T::value_type));
      } else {
        for (auto& e : v) (*this)(e);
      }
    } else {
      static_assert(std::is_trivially_copyable_v<T>, "StateArchive takes plain values");
      bytes(&v, sizeof v);
    }
  }

  // The bytes written, handed over.
  std::vector<char> release() && { return std::move(data_); }
  // Reading: throws InputError unless every byte was read.
  void finish() const;

 private:
  template <class T>
  struct is_vector : std::false_type {};
  template <class E, class A>
  struct is_vector<std::vector<E, A>> : std::true_type {};

  StateArchive() = default;
  uint64_t left() const { return data_.size() - at_; }
  void bytes(void* p, uint64_t n);
  [[noreturn]] void truncated() const;

  bool reading_ = false;
  std::vector<char> data_;
  uint64_t at_ = 0;
  std::string what_;
};

// CRC-32 (zlib's) of `bytes`, continuing from `crc` (0 to start).
uint32_t crc32_of(std::span<const char> bytes, uint32_t crc = 0);
template <class T>
uint32_t crc32_of_values(std::span<const T> v, uint32_t crc = 0) {
  return crc32_of({reinterpret_cast<const char*>(v.data()), v.size_bytes()}, crc);
}

// The checkpoint folder inside a run's staging folder: "checkpoint/" holds meta.json and
// rank-NNNNN.state per rank (each framed with a magic, a length and a CRC-32). A new checkpoint is
// written to "checkpoint.new/" and swapped in by renames, so an interruption at any moment leaves
// the previous checkpoint or the new one, never a mixture: open() also takes "checkpoint.old/",
// which exists only between the two renames. Rank 0 only.
class CheckpointFolder {
 public:
  explicit CheckpointFolder(std::string staging) : staging_(std::move(staging)) {}

  // Whether `staging` holds a complete checkpoint (its path, or "").
  static std::string find(const std::string& staging);

  // Writing, in this order: begin() starts "checkpoint.new/" (dropping an unfinished one),
  // add_state() writes each rank's state, finish() writes meta.json and swaps the folder in. Each
  // file is on disk (fsync) before the swap. Throw IoError naming the file.
  void begin();
  void add_state(int rank, std::span<const char> state);
  void finish(const nlohmann::json& meta);

  // Removes every checkpoint folder (current, new, old): a finished run's.
  void remove() const;

  // The checkpoint found in the staging folder: meta.json, and one rank's state (framing and
  // CRC checked). Throw InputError naming the file and the fix.
  nlohmann::json read_meta() const;
  std::vector<char> read_state(int rank) const;

 private:
  std::string staging_;
};

}  // namespace pimscale
