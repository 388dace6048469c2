#include "src/report/html_report.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "io/run_folder.h"
#include "node/phases.h"
#include "src/base/error.h"

#ifndef PIMSCALE_VEGA_DIR
#define PIMSCALE_VEGA_DIR "/usr/local/share/pimscale/node_modules"
#endif

namespace pimscale {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The keys every reader of a run.json needs; a run.json without one is from an older format.
constexpr const char* kRunKeys[] = {
    "version", "config", "device",  "timing", "phases", "phases_picoseconds",
    "bytes",   "final",  "servers", "startup"};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A number of a CSV cell ("" and "nan": none).
json number_of(const std::string& cell) {
  if (cell.empty() || cell == "nan") return nullptr;
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (end == cell.c_str() || !std::isfinite(v)) return nullptr;
  return v;
}

// One Vega-Lite chart: a title saying what it shows, the data in a dataset named "table" (the page
// records what the view holds of it), tooltips on every field shown.
struct Chart {
  std::string id, title;
  json spec;
};

json base_spec(const std::string& title, json values) {
  return {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
          {"title", title},
          {"width", 560},
          {"height", 240},
          {"data", {{"name", "table"}, {"values", std::move(values)}}}};
}

json field(const std::string& name, const std::string& type, const std::string& title) {
  return {{"field", name}, {"type", type}, {"title", title}};
}

// Epochs on a quantitative axis: whole numbers only.
json epoch_axis() {
  json x = field("epoch", "quantitative", "epoch");
  x["axis"] = {{"tickMinStep", 1}, {"format", "d"}};
  return x;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Page {
  std::string body;
  std::vector<Chart> charts;
  void chart(Chart c) {
    body += fmt::format("<div class=\"chart\" id=\"{}\"></div>\n", c.id);
    charts.push_back(std::move(c));
  }
  void table(const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows) {
    body += "<table><tr>";
    for (const auto& h : header) body += "<th>" + html_escape(h) + "</th>";
    body += "</tr>\n";
    for (const auto& r : rows) {
      body += "<tr>";
      for (const auto& c : r) body += "<td>" + html_escape(c) + "</td>";
      body += "</tr>\n";
    }
    body += "</table>\n";
  }
};

std::string g6(double v) { return fmt::format("{:.6g}", v); }

// A result folder's kind, by the file it holds.
enum class Kind { kRun, kSweep, kPlan };

struct Run {
  std::string path, label;
  json run;
  std::vector<std::map<std::string, std::string>> epochs;
};

Run read_run(const std::string& path) {
  Run r;
  r.path = path;
  r.label = fs::path(path).filename().string();
  if (r.label.empty()) r.label = fs::path(path).parent_path().filename().string();
  const fs::path file = fs::path(path) / "run.json";
  try {
    r.run = json::parse(slurp(file));
  } catch (const json::exception&) {
    throw InputError("report: '" + file.string() +
                     "' is truncated or not JSON: pass a complete pimscale results folder (re-run "
                     "the command that wrote it)");
  }
  for (const char* key : kRunKeys) {
    if (!r.run.is_object() || !r.run.contains(key)) {
      throw InputError(fmt::format(
          "report: '{}' is from an older pimscale format (no '{}' key; written by version {}): "
          "re-run the command that wrote it with this pimscale",
          file.string(), key,
          r.run.is_object() && r.run.contains("version") ? r.run["version"].dump() : "unknown"));
    }
  }
  r.epochs = read_csv((fs::path(path) / "epochs.csv").string());
  return r;
}

std::string unit_of(const Run& r) {
  const std::string timing = r.run["timing"].get<std::string>();
  return timing == "predicted" ? "predicted s" : timing == "measured" ? "measured s" : "emulated s";
}

std::string describe(const Run& r) {
  const json& c = r.run["config"];
  return fmt::format(
      "{} {} on {} ({} servers x {} {}), {} timing", c.value("algorithm", "?"),
      c.value("model", "?"), r.run["dataset"].value("path", "?"), r.run.value("ranks", 0),
      r.run["device"] == "pim" ? r.run.value("dpus_per_server", 0)
                               : r.run.value("workers_per_server", 0),
      r.run["device"] == "pim" ? "DPUs" : "workers", r.run["timing"].get<std::string>());
}

void run_section(Page& page, const Run& r, size_t index) {
  const std::string id = fmt::format("run{}", index);
  const std::string unit = unit_of(r);
  page.body +=
      fmt::format("<h2>Run: {}</h2>\n<p>{} ({})</p>\n", html_escape(r.path),
                  html_escape(describe(r)), html_escape(r.run["device"].get<std::string>()));
  // Phases and bytes per epoch (stacked bars).
  json phases = json::array(), bytes = json::array(), metrics = json::array();
  for (const auto& e : r.epochs) {
    const json epoch = number_of(e.count("epoch") ? e.at("epoch") : "");
    for (int p = 0; p < kPhaseCount; ++p) {
      const std::string name(phase_name(static_cast<Phase>(p)));
      if (e.count(name))
        phases.push_back({{"epoch", epoch}, {"phase", name}, {"seconds", number_of(e.at(name))}});
      if (e.count("bytes_" + name)) {
        bytes.push_back(
            {{"epoch", epoch}, {"phase", name}, {"bytes", number_of(e.at("bytes_" + name))}});
      }
    }
    for (const char* m : {"train_loss", "test_accuracy", "test_auc"}) {
      const json v = e.count(m) ? number_of(e.at(m)) : json(nullptr);
      if (!v.is_null()) metrics.push_back({{"epoch", epoch}, {"metric", m}, {"value", v}});
    }
  }
  auto stacked = [&](const std::string& suffix, const std::string& title, json values,
                     const std::string& y, const std::string& y_title) {
    json s = base_spec(title, std::move(values));
    s["mark"] = "bar";
    json x = field("epoch", "ordinal", "epoch");
    x["axis"] = {{"labelAngle", 0}};
    s["encoding"] = {{"x", x},
                     {"y", field(y, "quantitative", y_title)},
                     {"color", field("phase", "nominal", "phase")},
                     {"tooltip", json::array({field("epoch", "ordinal", "epoch"),
                                              field("phase", "nominal", "phase"),
                                              field(y, "quantitative", y_title)})}};
    page.chart({id + suffix, title, s});
  };
  stacked("-phases", "Time per phase and epoch (" + unit + ")", phases, "seconds", unit);
  stacked("-bytes", "Bytes moved per phase and epoch", bytes, "bytes", "bytes");
  if (!metrics.empty()) {
    json s = base_spec("Training loss, test accuracy and AUC over epochs", metrics);
    s["mark"] = {{"type", "line"}, {"point", true}};
    s["encoding"] = {
        {"x", epoch_axis()},
        {"y", field("value", "quantitative", "value (loss; accuracy and AUC as fractions)")},
        {"color", field("metric", "nominal", "metric")},
        {"tooltip",
         json::array({field("epoch", "quantitative", "epoch"), field("metric", "nominal", "metric"),
                      field("value", "quantitative", "value")})}};
    page.chart({id + "-metrics", "metrics", s});
  }
  // Each server's phases (waits included) over the whole run.
  json servers = json::array();
  for (const json& s : r.run["servers"]) {
    for (const auto& [phase, seconds] : s["phases"].items()) {
      servers.push_back({{"server", s.value("rank", 0)}, {"phase", phase}, {"seconds", seconds}});
    }
  }
  {
    json s = base_spec(
        "Each server's time per phase, all epochs (" + unit + "; wait: at collectives)", servers);
    s["mark"] = "bar";
    json x = field("server", "ordinal", "server (rank)");
    x["axis"] = {{"labelAngle", 0}};
    s["encoding"] = {{"x", x},
                     {"y", field("seconds", "quantitative", unit)},
                     {"color", field("phase", "nominal", "phase")},
                     {"tooltip", json::array({field("server", "ordinal", "server"),
                                              field("phase", "nominal", "phase"),
                                              field("seconds", "quantitative", unit)})}};
    page.chart({id + "-servers", "servers", s});
  }
  json startup = json::array();
  for (const auto& [part, seconds] : r.run["startup"].items())
    startup.push_back({{"part", part}, {"seconds", seconds}});
  {
    json s = base_spec("Start-up parts (" + unit + ", not in the epochs)", startup);
    s["mark"] = "bar";
    s["encoding"] = {{"x", field("part", "nominal", "start-up part")},
                     {"y", field("seconds", "quantitative", unit)},
                     {"tooltip", json::array({field("part", "nominal", "part"),
                                              field("seconds", "quantitative", unit)})}};
    page.chart({id + "-startup", "startup", s});
  }
  const json& f = r.run["final"];
  auto cell = [](const json& v) {
    return v.is_null() ? std::string("-") : v.is_string() ? v.get<std::string>() : v.dump();
  };
  page.body += "<h3>Model and final metrics</h3>\n";
  const json model = f.contains("model") && f["model"].is_object() ? f["model"] : json::object();
  page.table(
      {"train loss", "test accuracy", "test AUC", "total s", "max |w|", "bias",
       "weights at Q1.31's limit", "model sha256"},
      {{cell(f.value("train_loss", json())), cell(f.value("test_accuracy", json())),
        cell(f.value("test_auc", json())), cell(f.value("emulated_seconds", json())),
        cell(model.value("max_abs_weight", json())), cell(model.value("bias", json())),
        cell(model.value("weights_at_q31_limit", json())), cell(f.value("model_sha256", json()))}});
  if (r.run.contains("warnings") && !r.run["warnings"].empty()) {
    page.body += "<h3>Warnings</h3>\n<ul>";
    for (const json& w : r.run["warnings"]) page.body += "<li>" + html_escape(cell(w)) + "</li>";
    page.body += "</ul>\n";
  }
  page.body +=
      "<details><summary>Full configuration (run.json config, hardware, network)</summary><pre>" +
      html_escape(json{{"config", r.run["config"]},
                       {"hardware", r.run.value("hardware", json())},
                       {"network", r.run.value("network", json())}}
                      .dump(2)) +
      "</pre></details>\n";
}

// Several runs: overlaid accuracy and loss, a comparison table; a prediction beside the emulated
// run of the same configuration (error per phase).
void comparison_section(Page& page, const std::vector<Run>& runs) {
  page.body += "<h2>Runs compared</h2>\n";
  json curves = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const Run& r : runs) {
    for (const auto& e : r.epochs) {
      for (const char* m : {"train_loss", "test_accuracy"}) {
        const json v = e.count(m) ? number_of(e.at(m)) : json(nullptr);
        if (!v.is_null())
          curves.push_back(
              {{"run", r.label}, {"epoch", number_of(e.at("epoch"))}, {"metric", m}, {"value", v}});
      }
    }
    const double epochs = std::max<double>(1, static_cast<double>(r.epochs.size()));
    rows.push_back({r.label, r.run["device"].get<std::string>(), r.run["timing"].get<std::string>(),
                    r.run["config"].value("algorithm", "?"), r.run["config"].value("numerics", "?"),
                    std::to_string(r.epochs.size()),
                    g6(r.run["final"].value("emulated_seconds", 0.0) / epochs),
                    r.run["final"].value("test_accuracy", json()).dump()});
  }
  page.table({"run", "device", "timing", "algorithm", "numerics", "epochs", "s per epoch",
              "test accuracy"},
             rows);
  if (!curves.empty()) {
    json s = base_spec("Training loss and test accuracy of every run over epochs", curves);
    s["mark"] = {{"type", "line"}, {"point", true}};
    s["encoding"] = {{"x", epoch_axis()},
                     {"y", field("value", "quantitative", "value (loss; accuracy as a fraction)")},
                     {"color", field("run", "nominal", "run")},
                     {"strokeDash", field("metric", "nominal", "metric")},
                     {"tooltip", json::array({field("run", "nominal", "run"),
                                              field("epoch", "quantitative", "epoch"),
                                              field("metric", "nominal", "metric"),
                                              field("value", "quantitative", "value")})}};
    page.chart({"compare-curves", "curves", s});
  }
  // Predicted beside emulated: the same algorithm, model, batch, servers and DPUs.
  size_t pair = 0;
  for (const Run& p : runs) {
    if (p.run["timing"] != "predicted") continue;
    for (const Run& e : runs) {
      if (e.run["timing"] != "emulated") continue;
      const json& a = p.run["config"];
      const json& b = e.run["config"];
      if (a.value("algorithm", "") != b.value("algorithm", "") ||
          a.value("model", "") != b.value("model", "") ||
          a.value("batch", 0) != b.value("batch", 0) || p.run["ranks"] != e.run["ranks"] ||
          p.run["dpus_per_server"] != e.run["dpus_per_server"] ||
          p.run["device"] != e.run["device"])
        continue;
      json values = json::array();
      std::vector<std::vector<std::string>> errors;
      for (const auto& [phase, seconds] : e.run["phases"].items()) {
        const double em = seconds.get<double>();
        const double pr = p.run["phases"].value(phase, 0.0);
        values.push_back({{"phase", phase}, {"source", "emulated"}, {"seconds", em}});
        values.push_back({{"phase", phase}, {"source", "predicted"}, {"seconds", pr}});
        errors.push_back(
            {phase, g6(em), g6(pr), em > 0 ? fmt::format("{:+.2f}%", 100 * (pr - em) / em) : "-"});
      }
      json s = base_spec("Predicted (" + p.label + ") against emulated (" + e.label +
                             ") seconds per phase, all epochs",
                         values);
      s["mark"] = "bar";
      s["encoding"] = {{"x", field("phase", "nominal", "phase")},
                       {"xOffset", field("source", "nominal", "")},
                       {"y", field("seconds", "quantitative", "seconds")},
                       {"color", field("source", "nominal", "")},
                       {"tooltip", json::array({field("phase", "nominal", "phase"),
                                                field("source", "nominal", ""),
                                                field("seconds", "quantitative", "seconds")})}};
      page.chart({fmt::format("predicted{}", pair++), "predicted", s});
      page.table({"phase", "emulated s", "predicted s", "error"}, errors);
      break;
    }
  }
}

// A sweep's or plan's CSV (`command` wrote it into `path`), refused when it has no rows or no `key`
// column (truncated); the section's heading.
std::vector<std::map<std::string, std::string>> result_csv(Page& page, const std::string& path,
                                                           const std::string& command,
                                                           const char* key) {
  const std::string file = command + ".csv";
  auto rows = read_csv((fs::path(path) / file).string());
  if (rows.empty() || !rows.front().count(key)) {
    throw InputError("report: '" + path + "/" + file + "' is empty or truncated: re-run the " +
                     command);
  }
  std::string title = command;
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  page.body += fmt::format("<h2>{}: {}</h2>\n", title, html_escape(path));
  return rows;
}

void sweep_section(Page& page, const std::string& path, size_t index) {
  const auto rows = result_csv(page, path, "sweep", "emulated_seconds_per_epoch");
  json values = json::array();
  const double t0 = std::strtod(rows.front().at("emulated_seconds_per_epoch").c_str(), nullptr);
  const double n0 = std::strtod(rows.front().at("total_dpus").c_str(), nullptr);
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    const double n = std::strtod(r.at("total_dpus").c_str(), nullptr);
    const bool strong = r.at("mode") == "strong";
    values.push_back(
        {{"servers", number_of(r.at("servers"))},
         {"total_dpus", n},
         {"seconds", number_of(r.at("emulated_seconds_per_epoch"))},
         {"ideal_seconds", strong ? t0 * n0 / n : t0},
         {"speedup", number_of(r.at("speedup"))},
         {"ideal_speedup", n / n0},
         {"efficiency", number_of(r.at("parallel_efficiency"))},
         {"network_share", number_of(r.at("network_share"))},
         {"time_to_target",
          number_of(r.count("time_to_target_seconds") ? r.at("time_to_target_seconds") : "")}});
    table.push_back({r.at("mode"), r.at("servers"), r.at("dpus_per_server"), r.at("total_dpus"),
                     r.at("emulated_seconds_per_epoch"), r.at("speedup"),
                     r.at("parallel_efficiency"), r.at("network_share")});
  }
  auto line = [&](const std::string& suffix, const std::string& title, const std::string& y,
                  const std::string& ideal, const std::string& y_title) {
    json s = base_spec(title, values);
    json layer = json::array();
    layer.push_back({{"mark", {{"type", "line"}, {"point", true}}},
                     {"encoding",
                      {{"x", field("total_dpus", "quantitative", "total DPUs")},
                       {"y", field(y, "quantitative", y_title)},
                       {"tooltip", json::array({field("servers", "quantitative", "servers"),
                                                field("total_dpus", "quantitative", "total DPUs"),
                                                field(y, "quantitative", y_title)})}}}});
    if (!ideal.empty()) {
      layer.push_back({{"mark", {{"type", "line"}, {"strokeDash", {4, 4}}, {"color", "gray"}}},
                       {"encoding",
                        {{"x", field("total_dpus", "quantitative", "total DPUs")},
                         {"y", field(ideal, "quantitative", y_title)}}}});
    }
    s["layer"] = layer;
    page.chart({fmt::format("sweep{}-{}", index, suffix), title, s});
  };
  line("time", "Emulated seconds per epoch against total DPUs (dashed: ideal scaling)", "seconds",
       "ideal_seconds", "emulated s per epoch");
  line("speedup", "Speed-up over the first point (dashed: ideal)", "speedup", "ideal_speedup",
       "speed-up");
  line("efficiency", "Parallel efficiency", "efficiency", "", "efficiency (fraction)");
  line("network", "Network share of the epoch", "network_share", "", "share (fraction)");
  if (std::any_of(values.begin(), values.end(),
                  [](const json& v) { return !v["time_to_target"].is_null(); })) {
    line("target", "Emulated seconds to the target test accuracy", "time_to_target", "",
         "emulated s to target");
  }
  page.table({"mode", "servers", "DPUs per server", "total DPUs", "s per epoch", "speed-up",
              "efficiency", "network share"},
             table);
}

void plan_section(Page& page, const std::string& path, size_t index) {
  const auto rows = result_csv(page, path, "plan", "epoch_seconds");
  json values = json::array();
  std::vector<std::vector<std::string>> infeasible;
  for (const auto& r : rows) {
    const std::string device = r.count("device") ? r.at("device") : "pim";
    if (r.at("feasible") != "1") {
      infeasible.push_back({device, r.at("algorithm"), r.at("servers"), r.at("dpus_per_server"),
                            r.at("batch"), r.at("reason")});
      continue;
    }
    if (values.size() >= 20) continue;
    values.push_back(
        {{"rank", number_of(r.at("rank"))},
         // (plan.csv names two columns "network": the preset and the phase; neither
         // is in the label)
         {"candidate",
          fmt::format(
              "#{} {} {} {}x{} b={}", r.at("rank"), device, r.at("algorithm"), r.at("servers"),
              device == "pim" ? r.at("dpus_per_server")
                              : (r.count("workers_per_server") ? r.at("workers_per_server") : ""),
              r.at("batch"))},
         {"device", device},
         {"epoch_seconds", number_of(r.at("epoch_seconds"))}});
  }
  if (values.size() >= 2) {
    const double a = values[0]["epoch_seconds"].get<double>(),
                 b = values[1]["epoch_seconds"].get<double>();
    page.body +=
        fmt::format("<p>Winner: {} at {} s per epoch, {:.3g}x ahead of the next ({}).</p>\n",
                    html_escape(values[0]["candidate"].get<std::string>()), g6(a), b / a,
                    html_escape(values[1]["candidate"].get<std::string>()));
  }
  json s =
      base_spec("Candidates ranked by predicted seconds per epoch (the best 20 feasible)", values);
  s["height"] = 20 * std::max<size_t>(values.size(), 1);
  s["mark"] = "bar";
  s["encoding"] = {
      {"y",
       {{"field", "candidate"}, {"type", "nominal"}, {"title", "candidate"}, {"sort", nullptr}}},
      {"x", field("epoch_seconds", "quantitative", "predicted s per epoch")},
      {"color", field("device", "nominal", "device")},
      {"tooltip", json::array({field("candidate", "nominal", "candidate"),
                               field("epoch_seconds", "quantitative", "s per epoch")})}};
  page.chart({fmt::format("plan{}", index), "plan", s});
  if (!infeasible.empty()) {
    page.body += fmt::format("<h3>Infeasible candidates ({})</h3>\n", infeasible.size());
    page.table({"device", "algorithm", "servers", "DPUs per server", "batch", "reason"},
               infeasible);
  }
}

Kind kind_of(const std::string& path) {
  const fs::path p(path);
  if (!fs::is_directory(p))
    throw InputError(
        "report: '" + path +
        "' is not a folder: pass pimscale results folders (train, predict, sweep, plan --out)");
  if (fs::exists(p / "run.json")) return Kind::kRun;
  if (fs::exists(p / "sweep.csv")) return Kind::kSweep;
  if (fs::exists(p / "plan.csv")) return Kind::kPlan;
  throw InputError(
      "report: '" + path +
      "' is not a pimscale result (no run.json, sweep.csv or plan.csv in it): pass the --out "
      "folder of train, predict, sweep or plan");
}

std::string script_file(const std::string& package, const std::string& file) {
  const fs::path p = fs::path(vega_dir()) / package / "build" / file;
  std::string text = slurp(p);
  if (text.empty()) {
    throw InputError(
        "report: '" + p.string() +
        "' is missing: install the plotting libraries with `bash jobs/install-deps.sh` (or "
        "point PIMSCALE_VEGA_DIR at a node_modules folder holding vega, vega-lite and vega-embed)");
  }
  // Inline scripts end at the first "</script": break any inside the libraries' strings.
  size_t at = 0;
  while ((at = text.find("</script", at)) != std::string::npos)
    text.replace(at, 2, "<\\/"), at += 3;
  return text;
}

// The page's script: embeds every chart, then records each one's marks, its data and any error in
// #pimscale-check (and data-ready on <body>) for the browser test.
constexpr const char* kPageScript = R"JS(
const errors = [];
window.addEventListener('error', e => errors.push(String(e.message)));
const consoleError = console.error;
console.error = (...a) => { errors.push(a.map(String).join(' ')); consoleError(...a); };
function countMarks(node) {
  let n = 0;
  const items = node.items || [];
  if (node.marktype && node.marktype !== 'group' && node.role === 'mark') n += items.length;
  for (const it of items) n += countMarks(it);
  return n;
}
const check = {};
Promise.all(PIMSCALE_CHARTS.map(c =>
  vegaEmbed('#' + c.id, c.spec, {actions: false, renderer: 'svg'}).then(r => {
    check[c.id] = {title: c.spec.title, marks: countMarks(r.view.scenegraph().root), data: r.view.data('table')};
  }).catch(e => { errors.push(c.id + ': ' + e); check[c.id] = {error: String(e)}; })
)).then(() => {
  document.getElementById('pimscale-check').textContent = JSON.stringify({charts: check, errors});
  document.body.dataset.ready = '1';
});
)JS";

}  // namespace

std::string vega_dir() {
  const char* env = std::getenv("PIMSCALE_VEGA_DIR");
  return env && *env ? env : PIMSCALE_VEGA_DIR;
}

void write_html_report(const std::vector<std::string>& paths, const std::string& out, bool force) {
  if (paths.empty())
    throw InputError(
        "report: give one or more results folders (train, predict, sweep, plan --out)");
  check_output_file(out, force);
  Page page;
  std::vector<Run> runs;
  std::vector<std::pair<Kind, std::string>> kinds;
  kinds.reserve(paths.size());
  for (const std::string& p : paths) kinds.emplace_back(kind_of(p), p);
  const std::string vega = script_file("vega", "vega.min.js");
  const std::string vega_lite = script_file("vega-lite", "vega-lite.min.js");
  const std::string embed = script_file("vega-embed", "vega-embed.min.js");
  size_t index = 0;
  for (const auto& [kind, p] : kinds) {
    if (kind == Kind::kRun) {
      runs.push_back(read_run(p));
      run_section(page, runs.back(), index++);
    } else if (kind == Kind::kSweep) {
      sweep_section(page, p, index++);
    } else {
      plan_section(page, p, index++);
    }
  }
  if (runs.size() > 1) comparison_section(page, runs);
  json charts = json::array();
  for (const Chart& c : page.charts) charts.push_back({{"id", c.id}, {"spec", c.spec}});
  std::string chart_json = charts.dump();
  for (size_t at = 0; (at = chart_json.find("</", at)) != std::string::npos; at += 3)
    chart_json.replace(at, 2, "<\\/");
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pimscale "
      "report</title>\n"
      "<style>body{font-family:sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:"
      "collapse;"
      "margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;font-size:13px}.chart{margin:1em "
      "0}"
      "pre{font-size:12px;background:#f6f6f6;padding:.5em}</style>\n";
  html += "<script>" + vega + "</script>\n<script>" + vega_lite + "</script>\n<script>" + embed +
          "</script>\n";
  html += "</head><body>\n<h1>pimscale report</h1>\n<p>" +
          html_escape(fmt::format("{} result folder(s)", paths.size())) +
          "; every chart's numbers show on hover.</p>\n";
  html += page.body;
  html +=
      "<pre id=\"pimscale-check\" style=\"display:none\"></pre>\n<script>const PIMSCALE_CHARTS = " +
      chart_json + ";" + kPageScript + "</script>\n</body></html>\n";
  // Written beside the target and renamed: never half-written.
  const std::string partial = out + ".partial";
  {
    std::ofstream f(partial, std::ios::binary | std::ios::trunc);
    f << html;
    if (!f) throw IoError("report: cannot write '" + partial + "'");
  }
  fs::rename(partial, out);
}

}  // namespace pimscale
