// The closed sets of the configuration as enums, with the one table of their names each: parsed
// once, at the edge (flags, TOML, run.json), and compared as enums everywhere below. Not
// responsible for what an algorithm or a model does (src/algorithms, pim_emul/kernels).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "pim_emul/kernels.h"

namespace pimscale {

enum class AlgorithmKind { kGaSgd, kMaSgd, kAdmm };
// What trains: pim (the emulated PIM servers) or cpu (this host's cores, measured: src/devices).
enum class Device { kPim, kCpu, kGpu };
// fixed: the DPU's Q1.31 arithmetic; float: float32; float-saturating: float clipped where fixed
// saturates.
enum class Numerics { kFixed, kFloat, kFloatSaturating };
// The SVM's hinge margin: dpu (2^-15, PIM-Opt's DPU code) or half (0.5).
enum class SvmMargin { kDpu, kHalf };
// none, or criteo (positive-class terms x15, negative x0.5).
enum class ClassWeights { kNone, kCriteo };
// A dataset's shape without a file, for --count-only and predict: none, yfcc (dense) or criteo
// (sparse).
enum class SyntheticShape { kNone, kYfcc, kCriteo };

// names[i] is the name of the enumerator with value i.
template <class E>
struct EnumNames;
template <>
struct EnumNames<ModelKind> {
  static constexpr std::array<std::string_view, 2> names = {"lr", "svm"};
};
template <>
struct EnumNames<AlgorithmKind> {
  static constexpr std::array<std::string_view, 3> names = {"ga-sgd", "ma-sgd", "admm"};
};
template <>
struct EnumNames<Device> {
  static constexpr std::array<std::string_view, 3> names = {"pim", "cpu", "gpu"};
};
template <>
struct EnumNames<Numerics> {
  static constexpr std::array<std::string_view, 3> names = {"fixed", "float", "float-saturating"};
};
template <>
struct EnumNames<SvmMargin> {
  static constexpr std::array<std::string_view, 2> names = {"dpu", "half"};
};
template <>
struct EnumNames<ClassWeights> {
  static constexpr std::array<std::string_view, 2> names = {"none", "criteo"};
};
template <>
struct EnumNames<SyntheticShape> {
  static constexpr std::array<std::string_view, 3> names = {"", "yfcc", "criteo"};
};

template <class E>
constexpr std::string_view name_of(E e) {
  return EnumNames<E>::names[static_cast<size_t>(e)];
}
template <class E>
std::string name_string(E e) {
  return std::string(name_of(e));
}
// The enumerator named `name`, or nothing.
template <class E>
std::optional<E> enum_named(std::string_view name) {
  const auto& names = EnumNames<E>::names;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace pimscale
