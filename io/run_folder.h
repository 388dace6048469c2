// The results folder of a run (run.json manifest, CSV series). Files are staged in "<out>.partial"
// and the folder appears under its name only on commit(), so a failed run leaves nothing
// half-written. Not responsible for what the results contain (src/ builds them). Rank 0 only.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pimscale {

// A CSV file written by RunFolder::write_csv (no quoted commas) as rows of named cells; empty if
// unreadable.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path);

class RunFolder {
 public:
  explicit RunFolder(std::string out);  // throws InputError if the parent folder cannot be written
  ~RunFolder();                         // removes the staging folder unless committed
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;

  void write_json(const std::string& name, const nlohmann::json& value);
  void write_csv(const std::string& name, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);
  void write_text(const std::string& name, const std::string& text);
  // Replaces any earlier folder at `out` with the staged one.
  void commit();
  const std::string& path() const { return out_; }
  // Where files are staged until commit(): other programs may write inside it (e.g. a sweep's
  // runs).
  const std::string& staging() const { return staging_; }

 private:
  std::string out_, staging_;
  bool committed_ = false;
};

}  // namespace pimscale
