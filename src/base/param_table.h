// A declaration of one preset parameter: its key, unit, meaning and allowed range, bound to a
// struct field. Not responsible for reading files: src/ walks these tables to fill specs from TOML
// presets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace pimscale {

template <class Spec>
struct Param {
  const char* key;          // "table.key" in the preset file
  const char* unit;         // e.g. "MHz", "bytes", "cycles"
  const char* description;  // one line
  double min;               // inclusive allowed range, checked at load
  double max;
  // Accessor of the field the value lands in (a function, since fields may be nested).
  std::variant<double& (*)(Spec&), int64_t& (*)(Spec&)> field;
  bool optional = false;  // may be left out of a file; the field keeps its default
};

// Where each number of a loaded preset came from: key -> source text from the preset file.
using SourceMap = std::map<std::string, std::string>;

}  // namespace pimscale
