#include "io/trace.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "src/base/error.h"

namespace pimscale {

namespace {
double micros(int64_t ps) {
  return static_cast<double>(ps) * 1e-6;
}  // trace timestamps are microseconds
}  // namespace

nlohmann::json chrome_trace(const std::vector<std::vector<TraceSlice>>& tracks,
                            const nlohmann::json& metadata) {
  nlohmann::json events = nlohmann::json::array();
  events.push_back({{"ph", "M"},
                    {"name", "process_name"},
                    {"pid", 0},
                    {"args", {{"name", "pimscale (emulated time)"}}}});
  const int64_t servers = static_cast<int64_t>(tracks.size());
  for (int64_t s = 0; s < servers; ++s) {
    events.push_back({{"ph", "M"},
                      {"name", "thread_name"},
                      {"pid", 0},
                      {"tid", s},
                      {"args", {{"name", "server " + std::to_string(s)}}}});
    for (const TraceSlice& t : tracks[static_cast<size_t>(s)]) {
      events.push_back({{"ph", "X"},
                        {"name", t.name},
                        {"cat", t.flow >= 0 ? "collective" : "phase"},
                        {"pid", 0},
                        {"tid", s},
                        {"ts", micros(t.start_ps)},
                        {"dur", micros(t.duration_ps)},
                        {"args", {{"bytes", t.bytes}, {"picoseconds", t.duration_ps}}}});
      if (t.flow < 0) continue;
      // Arrow `to` of a collective runs from server 0's slice to server to's slice: server 0 starts
      // one per other server, every other server ends its own.
      auto arrow = [&](const char* phase, int64_t to) {
        nlohmann::json e = {{"ph", phase},
                            {"name", "allreduce"},
                            {"cat", "collective"},
                            {"id", t.flow * servers + to},
                            {"pid", 0},
                            {"tid", s},
                            {"ts", micros(t.start_ps)}};
        if (s != 0) e["bp"] = "e";
        events.push_back(std::move(e));
      };
      if (s == 0) {
        for (int64_t to = 1; to < servers; ++to) arrow("s", to);
      } else {
        arrow("f", s);
      }
    }
  }
  return {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ns"}, {"metadata", metadata}};
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string partial = path + ".partial";
  {
    std::ofstream f(partial);
    f << text;
    if (!f.good()) {
      std::remove(partial.c_str());
      throw IoError("cannot write '" + path + "'; check the folder exists and is writable");
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) throw IoError("cannot write '" + path + "': " + ec.message());
}

void check_writable(const std::string& path) {
  const std::string probe = path + ".partial";
  std::ofstream f(probe);
  const bool ok = f.good();
  f.close();
  std::remove(probe.c_str());
  if (!ok) throw IoError("cannot write '" + path + "'; check the folder exists and is writable");
}

}  // namespace pimscale
