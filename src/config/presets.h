// Loading hardware and network presets (TOML) into the plain specs the lower layers take.
// Not responsible for the meaning of any number: the Param tables beside each spec declare that.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "comm/network_spec.h"
#include "node/cpu_spec.h"
#include "node/gpu_spec.h"
#include "node/host_spec.h"
#include "pim_emul/hardware_spec.h"

namespace pimscale {

// The folder of shipped presets: $PIMSCALE_PRESETS if set, else the source tree's jobs/presets.
std::string preset_dir();

// A preset given by name (looked up in preset_dir()/<kind>/<name>.toml) or by a path to a .toml
// file.
std::string resolve_preset(const std::string& kind, const std::string& name_or_path);

struct ServerPreset {
  std::string file;
  HardwareSpec hardware;
  HostSpec host;
};

// Throws InputError naming the file, key and allowed range for a missing, unknown, unsourced or
// out-of-range key.
ServerPreset load_server_preset(const std::string& name_or_path);
// A CPU server (train --device cpu's model: predict --device cpu):
// jobs/presets/hardware/cpu-*.toml.
CpuSpec load_cpu_preset(const std::string& name_or_path);
nlohmann::json describe(const CpuSpec& cpu);
// A GPU server (predict --device gpu's model): jobs/presets/hardware/gpu-*.toml.
GpuSpec load_gpu_preset(const std::string& name_or_path);
nlohmann::json describe(const GpuSpec& gpu);
NetworkSpec load_network_preset(const std::string& name_or_path, std::string* file = nullptr);

// {key: {value, unit, source}} for run.json.
nlohmann::json describe(const HardwareSpec& hw, const HostSpec& host);
nlohmann::json describe(const NetworkSpec& net);

// Throws InputError (prefixed by `where`) for a network whose parts do not fit together, e.g. a fat
// tree without a leaf size; run after command-line overrides too.
void check(const NetworkSpec& net, const std::string& where);

}  // namespace pimscale
