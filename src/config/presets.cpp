#include "src/config/presets.h"

#include <toml++/toml.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "pim_emul/event_counts.h"
#include "src/base/error.h"

#ifndef PIMSCALE_PRESET_DIR
#error "PIMSCALE_PRESET_DIR must be defined by the build"
#endif

namespace pimscale {

namespace fs = std::filesystem;

std::string preset_dir() {
  const char* env = std::getenv("PIMSCALE_PRESETS");
  return env && *env ? env : PIMSCALE_PRESET_DIR;
}

std::string resolve_preset(const std::string& kind, const std::string& name_or_path) {
  if (name_or_path.ends_with(".toml") || name_or_path.find('/') != std::string::npos) {
    if (!fs::exists(name_or_path))
      throw InputError(kind + " preset file '" + name_or_path + "' does not exist");
    return name_or_path;
  }
  const fs::path p = fs::path(preset_dir()) / kind / (name_or_path + ".toml");
  if (!fs::exists(p)) {
    std::set<std::string> stems;  // sorted: the folder's order is the file system's
    if (fs::is_directory(p.parent_path())) {
      for (const auto& e : fs::directory_iterator(p.parent_path())) {
        if (e.path().extension() == ".toml") stems.insert(e.path().stem().string());
      }
    }
    std::string names;
    for (const std::string& s : stems) names += (names.empty() ? "" : ", ") + s;
    throw InputError("unknown " + kind + " preset '" + name_or_path + "' (looked in " +
                     p.parent_path().string() + "); available: " +
                     (names.empty() ? "none" : names) + ", or give a .toml path");
  }
  return p.string();
}

namespace {

toml::table parse(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw InputError("preset '" + path + "' line " + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
}

template <class Spec>
void add_keys(const std::vector<Param<Spec>>& params, std::set<std::string>& known) {
  for (const Param<Spec>& p : params) known.insert(p.key);
}

// A { value = <number>, source = "..." } entry.
std::pair<std::optional<double>, std::optional<std::string>> sourced_number(
    toml::node_view<const toml::node> node, const std::string& where) {
  const toml::table* t = node.as_table();
  const std::optional<double> value = t ? (*t)["value"].value<double>() : std::nullopt;
  const std::optional<std::string> source = t ? (*t)["source"].value<std::string>() : std::nullopt;
  if (!t || !value || !source || source->empty() || t->size() != 2) {
    throw InputError(where +
                     " must be { value = <number>, source = \"<where the number comes from>\" }");
  }
  return {value, source};
}

template <class Spec>
void fill(const std::string& path, const toml::table& root, const std::vector<Param<Spec>>& params,
          Spec& spec, SourceMap& sources) {
  for (const Param<Spec>& p : params) {
    const std::string where = "preset '" + path + "' key " + p.key;
    const toml::node_view<const toml::node> node = root.at_path(p.key);
    if (!node && p.optional) {
      sources[p.key] = "default (not set in the preset)";
      continue;
    }
    if (!node) {
      throw InputError(where + " is missing (" + p.description + ", in " + p.unit +
                       "); add it as { value = ..., source = \"...\" }");
    }
    const auto [value, source] = sourced_number(node, where);
    if (!(*value >= p.min && *value <= p.max)) {
      throw InputError(where + " = " + std::to_string(*value) + " is outside [" +
                       std::to_string(p.min) + ", " + std::to_string(p.max) + "] " + p.unit);
    }
    if (auto* d = std::get_if<double& (*)(Spec&)>(&p.field)) {
      (*d)(spec) = *value;
    } else {
      if (*value != std::floor(*value))
        throw InputError(where + " must be a whole number of " + p.unit);
      (*std::get<int64_t& (*)(Spec&)>(p.field))(spec) = static_cast<int64_t>(*value);
    }
    sources[p.key] = *source;
  }
}

// Every key of the file must be declared: a misspelt key is an error, never silently ignored.
void reject_unknown(const std::string& path, const toml::table& root,
                    const std::set<std::string>& known) {
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key == "name" || key == "description" || known.contains(key)) continue;
    const toml::table* t = v.as_table();
    if (!t) throw InputError("preset '" + path + "': unknown top-level key '" + key + "'");
    for (auto&& [k2, v2] : *t) {
      const std::string full = key + "." + std::string(k2.str());
      if (!known.contains(full)) {
        throw InputError("preset '" + path + "': unknown key '" + full +
                         "' (misspelt? see README, section Presets)");
      }
    }
  }
}

}  // namespace

ServerPreset load_server_preset(const std::string& name_or_path) {
  ServerPreset p;
  p.file = resolve_preset("hardware", name_or_path);
  const toml::table root = parse(p.file);
  std::set<std::string> known;
  add_keys(hardware_params(), known);
  add_keys(host_params(), known);
  reject_unknown(p.file, root,
                 known);  // first: a misspelt key is reported as such, not as a missing one
  fill(p.file, root, hardware_params(), p.hardware, p.hardware.sources);
  fill(p.file, root, host_params(), p.host, p.host.sources);
  p.hardware.name = root["name"].value_or(fs::path(p.file).stem().string());
  const DpuSpec& d = p.hardware.dpu;
  if (d.tasklets > d.max_tasklets || d.tasklets > kMaxTasklets) {
    throw InputError("preset '" + p.file + "': dpu.tasklets (" + std::to_string(d.tasklets) +
                     ") exceeds dpu.max_tasklets or the emulator's limit of " +
                     std::to_string(kMaxTasklets));
  }
  if (d.dma_min_bytes > d.dma_max_bytes)
    throw InputError("preset '" + p.file + "': dma_min_bytes > dma_max_bytes");
  return p;
}

namespace {

// A CPU or GPU server's preset: one [table] of `params`.
template <class Spec>
Spec load_device_preset(const std::string& name_or_path, const char* table,
                        const std::vector<Param<Spec>>& params, const std::string& what) {
  Spec s;
  s.file = resolve_preset("hardware", name_or_path);
  const toml::table root = parse(s.file);
  if (!root[table].as_table()) {
    throw InputError("preset '" + s.file + "' has no [" + table + "] table: it is not " + what);
  }
  std::set<std::string> known;
  add_keys(params, known);
  reject_unknown(s.file, root, known);
  fill(s.file, root, params, s, s.sources);
  s.name = root["name"].value_or(fs::path(s.file).stem().string());
  return s;
}

}  // namespace

CpuSpec load_cpu_preset(const std::string& name_or_path) {
  return load_device_preset(name_or_path, "cpu", cpu_params(),
                            "a CPU server's preset (e.g. cpu-epyc-7742-2s, or this host's from "
                            "`pimscale microbench --device cpu`)");
}

GpuSpec load_gpu_preset(const std::string& name_or_path) {
  return load_device_preset(name_or_path, "gpu", gpu_params(),
                            "a GPU server's preset (e.g. gpu-a100-80gb-sxm, gpu-h100-sxm)");
}

NetworkSpec load_network_preset(const std::string& name_or_path, std::string* file) {
  const std::string path = resolve_preset("network", name_or_path);
  if (file) *file = path;
  const toml::table root = parse(path);
  NetworkSpec net;
  std::set<std::string> known = {"topology.kind", "fitted"};
  add_keys(network_params(), known);
  reject_unknown(path, root, known);
  fill(path, root, network_params(), net, net.sources);
  net.name = root["name"].value_or(fs::path(path).stem().string());
  const std::string kind = root.at_path("topology.kind").value_or(std::string());
  const std::optional<Topology> topology = parse_topology(kind);
  if (!topology) {
    throw InputError("preset '" + path + "' key topology.kind = '" + kind +
                     "' must be star, fat-tree or ring");
  }
  net.topology = *topology;
  // fitted.<algorithm> = { latency_us, bandwidth_gbit_s, reduce_gbps }: per-algorithm costs from
  // netbench.
  if (const toml::table* fitted = root["fitted"].as_table()) {
    for (auto&& [name, entry] : *fitted) {
      const std::string where = "preset '" + path + "' table fitted." + std::string(name.str());
      const std::optional<CollectiveAlgorithm> a = parse_algorithm(name.str());
      const toml::table* t = entry.as_table();
      if (!a || !t)
        throw InputError(where +
                         ": not a collective algorithm's table (ring, recursive-doubling, ...)");
      LinkCosts& c = net.fitted[*a];
      const std::pair<const char*, double*> keys[] = {{"latency_us", &c.latency_us},
                                                      {"bandwidth_gbit_s", &c.bandwidth_gbit_s},
                                                      {"reduce_gbps", &c.reduce_gbps}};
      if (t->size() != 3)
        throw InputError(where + " must hold exactly latency_us, bandwidth_gbit_s and reduce_gbps");
      for (auto [key, field] : keys) {
        const auto [value, source] = sourced_number((*t)[key], where + "." + key);
        if (!(*value > 0)) throw InputError(where + "." + key + " must be positive");
        *field = *value;
        net.sources["fitted." + std::string(name.str()) + "." + key] = *source;
      }
    }
  }
  check(net, path);
  return net;
}

namespace {
template <class Spec>
void describe_into(nlohmann::json& out, const std::vector<Param<Spec>>& params, Spec spec,
                   const SourceMap& sources) {
  for (const Param<Spec>& p : params) {
    const double v = std::visit([&](auto f) { return static_cast<double>(f(spec)); }, p.field);
    out[p.key] = {{"value", v}, {"unit", p.unit}, {"source", sources.at(p.key)}};
  }
}
}  // namespace

nlohmann::json describe(const HardwareSpec& hw, const HostSpec& host) {
  nlohmann::json j;
  j["name"] = hw.name;
  describe_into(j["parameters"], hardware_params(), hw, hw.sources);
  describe_into(j["parameters"], host_params(), host, host.sources);
  return j;
}

namespace {

// A CPU or GPU server's preset for run.json (load_device_preset's counterpart).
template <class Spec>
nlohmann::json describe_device(const Spec& s, const std::vector<Param<Spec>>& params) {
  nlohmann::json j;
  j["name"] = s.name;
  j["file"] = s.file;
  describe_into(j["parameters"], params, s, s.sources);
  return j;
}

}  // namespace

nlohmann::json describe(const CpuSpec& cpu) { return describe_device(cpu, cpu_params()); }

nlohmann::json describe(const GpuSpec& gpu) { return describe_device(gpu, gpu_params()); }

nlohmann::json describe(const NetworkSpec& net) {
  nlohmann::json j;
  j["name"] = net.name;
  j["topology"] = topology_name(net.topology);
  describe_into(j["parameters"], network_params(), net, net.sources);
  for (const auto& [a, c] : net.fitted) {
    const std::string base = "fitted." + std::string(algorithm_name(a)) + ".";
    for (auto [key, v] :
         {std::pair{"latency_us", c.latency_us}, std::pair{"bandwidth_gbit_s", c.bandwidth_gbit_s},
          std::pair{"reduce_gbps", c.reduce_gbps}}) {
      j["parameters"][base + key] = {{"value", v}, {"source", net.sources.at(base + key)}};
    }
  }
  return j;
}

void check(const NetworkSpec& net, const std::string& where) {
  if (net.topology == Topology::kFatTree && net.servers_per_leaf < 1) {
    throw InputError(
        where +
        ": a fat tree needs topology.servers_per_leaf (servers under one leaf switch) >= 1");
  }
  if (net.allreduce_short_bytes > net.allreduce_long_bytes) {
    throw InputError(
        where + ": collectives.allreduce_short_bytes exceeds collectives.allreduce_long_bytes");
  }
}

}  // namespace pimscale
