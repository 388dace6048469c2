// The results folder of a run (run.json manifest, CSV series). Files are staged in "<out>.partial"
// and the folder appears under its name only on commit(), so a failed run leaves nothing
// half-written. It never overwrites or deletes what pimscale did not write: `out` may be new, an
// empty folder, or a previous pimscale results folder (marked by kMarker, or an older one's
// run.json), which is replaced only with `force`. The staging folder is the lock: a second writer
// of one `out` fails at once; one left by an interrupted run is cleaned. Not responsible for what
// the results contain (src/ builds them). Rank 0 only.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/checkpoint.h"

namespace pimscale {

// A CSV file written by RunFolder::write_csv (no quoted commas) as rows of named cells; empty if
// unreadable.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path);

// An output file a command is about to write (a dataset, an export, a JSON): refused when it names
// a folder, or an existing file without `force`. Throws InputError naming `flag`, the path and the
// fix; changes nothing.
void check_output_file(const std::string& path, bool force, const std::string& flag = "--out");

// Marks an output file as being written by this process: the lock file "<target>.lock" holds
// "<pid> <host>". A second pimscale writer of `target` fails at once (after up to 3 s, for a run
// that is being stopped); a lock left by a process that is gone is taken over. Removed on
// destruction. Rank 0 only.
class OutputLock {
 public:
  // Throws InputError naming `flag`, `target` and the live writer's process.
  OutputLock(const std::string& target, const std::string& flag = "--out");
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string path_;
};

class RunFolder {
 public:
  // The file that marks a folder as pimscale's results.
  static constexpr const char* kMarker = ".pimscale-results";

  // `out` without trailing slashes; throws InputError, naming the path and the fix, where it may
  // not be written (an existing file, a folder with other contents, a previous run without
  // `force`, an empty path, a staging folder holding an interrupted run's checkpoint without
  // `force` unless `resuming`). Changes nothing: commands call it before any work.
  static std::string check_target(const std::string& out, bool force, bool resuming = false);

  // Checks (check_target) and takes the staging folder; throws InputError or IoError. `resuming`:
  // takes over the staging folder an interrupted run left with its checkpoint, instead of a new
  // one.
  RunFolder(const std::string& out, bool force, bool resuming = false);
  // Removes the staging folder unless committed, or holding a checkpoint (keep_checkpoint()):
  // then only its lock goes, and `train --resume` can continue from it.
  ~RunFolder();
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;

  void write_json(const std::string& name, const nlohmann::json& value);
  void write_csv(const std::string& name, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);
  void write_text(const std::string& name, const std::string& text);
  // Moves the staged folder to `out`, replacing the previous results folder there (if any). The
  // checkpoint, done with, is dropped first.
  void commit();
  // The checkpoint folder inside the staging folder; once one is written (or resumed from), the
  // staging folder outlives a failed run.
  CheckpointFolder checkpoint() const { return CheckpointFolder(staging_); }
  void keep_checkpoint() { keep_ = true; }
  const std::string& path() const { return out_; }
  // Where files are staged until commit(): other programs may write inside it (e.g. a sweep's
  // runs).
  const std::string& staging() const { return staging_; }

 private:
  std::string out_, staging_;
  bool force_ = false, committed_ = false, keep_ = false;
};

}  // namespace pimscale
