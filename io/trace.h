// The emulated timeline as a Chrome trace-event JSON file (opens in Perfetto and chrome://tracing):
// one track per server, each phase a complete ("X") slice, each inter-server collective a set of
// flow arrows from server 0's slice to every other server's. Not responsible for what the slices
// are (src/ and node/).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pimscale {

struct TraceSlice {
  std::string name;
  int64_t start_ps = 0, duration_ps = 0;
  int64_t bytes = 0;
  int64_t flow = -1;  // collective sequence number (the same on every track), or -1
};

// tracks[s] is server s's slices in time order; `metadata` goes into the file's "metadata" object.
nlohmann::json chrome_trace(const std::vector<std::vector<TraceSlice>>& tracks,
                            const nlohmann::json& metadata);

// Writes `text` to `path` through "<path>.partial" and a rename, so a failed run leaves no half
// file. Throws InputError naming the path.
void write_file_atomically(const std::string& path, const std::string& text);
// Throws InputError now if `path` could not be written later (missing folder, no permission).
void check_writable(const std::string& path);

}  // namespace pimscale
