#include "io/run_folder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>

#include "src/base/error.h"

namespace pimscale {

namespace fs = std::filesystem;

namespace {

bool is_results_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) &&
         (fs::exists(p / RunFolder::kMarker, ec) || fs::exists(p / "run.json", ec));
}

bool is_empty_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && fs::is_empty(p, ec);
}

std::string host_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

// The process that holds a lock file ("<pid> <host>"), if it still runs here.
std::optional<long> live_writer(const fs::path& lock) {
  std::ifstream f(lock);
  long pid = 0;
  std::string host;
  if (!(f >> pid >> host)) return std::nullopt;
  if (host != host_name()) return pid;
  if (pid == getpid())
    return std::nullopt;  // this process: not another writer  // another machine's: assume it still
                          // runs
  // A live pimscale process (not a zombie, not another program that took the number since).
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string skip, state;
  if (!(stat >> skip >> skip >> state) || state == "Z") return std::nullopt;
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  const std::string command((std::istreambuf_iterator<char>(cmdline)),
                            std::istreambuf_iterator<char>());
  if (command.find("pimscale") == std::string::npos) return std::nullopt;
  return pid;
}

// live_writer, waiting up to 3 s for a run that was just stopped (MPI_Abort) to be gone.
std::optional<long> live_writer_after_wait(const fs::path& lock) {
  std::optional<long> pid = live_writer(lock);
  for (int i = 0; i < 30 && pid; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pid = live_writer(lock);
  }
  return pid;
}

}  // namespace

OutputLock::OutputLock(const std::string& target, const std::string& flag)
    : path_(target + ".lock") {
  const std::string mine = std::to_string(getpid()) + " " + host_name() + "\n";
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      const bool written = write(fd, mine.data(), mine.size()) == static_cast<ssize_t>(mine.size());
      close(fd);
      if (written) return;
      break;
    }
    if (errno != EEXIST) break;
    if (const std::optional<long> pid = live_writer_after_wait(path_)) {
      path_.clear();  // not ours: never removed
      throw InputError("another pimscale process (" + std::to_string(*pid) + ") is writing " +
                       flag + " '" + target + "'; wait for it or name another file");
    }
    std::error_code ec;
    fs::remove(path_, ec);  // left by a process that is gone
  }
  const std::string lock = path_;
  path_.clear();
  throw IoError("cannot create the lock file '" + lock + "' beside " + flag + " '" + target +
                "'; check the folder exists and is writable");
}

OutputLock::~OutputLock() {
  std::error_code ec;
  if (!path_.empty()) fs::remove(path_, ec);
}

void check_output_file(const std::string& path, bool force, const std::string& flag) {
  std::error_code ec;
  if (path.empty() || path.back() == '/' || fs::is_directory(path, ec)) {
    throw InputError(flag + " '" + path + "' is a folder; name a file to write");
  }
  if (fs::exists(fs::symlink_status(path, ec)) && !force) {
    throw InputError(flag + " '" + path +
                     "' exists; pass --force to replace it, or name another file");
  }
}

std::string RunFolder::check_target(const std::string& out, bool force, bool resuming) {
  std::string path = out;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path == "/" || path == "." || path == "..") {
    throw InputError("--out '" + out + "' is not a results folder path; name a new folder");
  }
  const fs::path p(path);
  std::error_code ec;
  if (const std::optional<long> pid = live_writer(fs::path(path + ".partial") / ".lock")) {
    throw InputError("another pimscale run (process " + std::to_string(*pid) +
                     ") is writing --out '" + path + "'; wait for it or name another folder");
  }
  if (!resuming && !force && !CheckpointFolder::find(path + ".partial").empty()) {
    throw InputError("--out '" + path + "' has the checkpoint of an interrupted run in '" + path +
                     ".partial'; continue it with `pimscale train --resume " + path +
                     "` (as many ranks), or pass --force to discard it");
  }
  const fs::file_status st = fs::symlink_status(p, ec);
  if (!fs::exists(st) || is_empty_folder(p)) return path;
  if (!fs::is_directory(st)) {
    throw InputError("--out '" + path +
                     "' is an existing file, not a results folder; name a new folder (pimscale "
                     "never overwrites it)");
  }
  if (!is_results_folder(p)) {
    throw InputError("--out '" + path + "' is a folder with other contents (no run.json or " +
                     kMarker + "); name a new or empty folder (pimscale never deletes it)");
  }
  if (!force) {
    throw InputError("--out '" + path +
                     "' holds a previous pimscale run; pass --force to replace it, or name "
                     "another folder");
  }
  return path;
}

RunFolder::RunFolder(const std::string& out, bool force, bool resuming)
    : out_(check_target(out, force, resuming)), staging_(out_ + ".partial"), force_(force) {
  const fs::path staging(staging_);
  std::error_code ec;
  if (resuming) {
    if (CheckpointFolder::find(staging_).empty() || !fs::exists(staging / kMarker, ec)) {
      throw InputError("--resume '" + out_ + "': '" + staging_ +
                       "' holds no checkpoint; nothing to resume");
    }
    if (const std::optional<long> pid = live_writer_after_wait(staging / ".lock")) {
      throw InputError("another pimscale run (process " + std::to_string(*pid) +
                       ") is writing --out '" + out_ + "'; wait for it");
    }
    keep_ = true;
    write_text(".lock", std::to_string(getpid()) + " " + host_name() + "\n");
    return;
  }
  if (fs::exists(fs::symlink_status(staging, ec))) {
    if (!fs::is_directory(fs::symlink_status(staging, ec)) || !fs::exists(staging / kMarker, ec)) {
      throw InputError("'" + staging_ +
                       "' exists and is not pimscale's staging folder for --out '" + out_ +
                       "'; move it away or name another --out");
    }
    // A run that was just stopped (MPI_Abort) may take a moment to be gone.
    const std::optional<long> pid = live_writer_after_wait(staging / ".lock");
    if (pid) {
      throw InputError("another pimscale run (process " + std::to_string(*pid) +
                       ") is writing --out '" + out_ + "'; wait for it or name another folder");
    }
    fs::remove_all(staging, ec);  // left by an interrupted run
  }
  if (!fs::create_directories(staging, ec) || ec) {
    throw IoError("cannot create results folder '" + staging_ + "'" +
                  (ec ? ": " + ec.message() : std::string(" (another run took it)")) +
                  "; choose a writable --out");
  }
  write_text(kMarker, "pimscale results folder\n");
  write_text(".lock", std::to_string(getpid()) + " " + host_name() + "\n");
}

RunFolder::~RunFolder() {
  if (committed_) return;
  std::error_code ec;
  if (keep_)
    fs::remove(fs::path(staging_) / ".lock", ec);
  else
    fs::remove_all(staging_, ec);
}

void RunFolder::write_text(const std::string& name, const std::string& text) {
  const fs::path p = fs::path(staging_) / name;
  std::ofstream f(p);
  f << text;
  if (!f.good())
    throw IoError("cannot write '" + p.string() + "'; check free space and permissions");
}

void RunFolder::write_json(const std::string& name, const nlohmann::json& value) {
  write_text(name, value.dump(2) + "\n");
}

void RunFolder::write_csv(const std::string& name, const std::vector<std::string>& header,
                          const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) text += (i ? "," : "") + cells[i];
    text += "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  write_text(name, text);
}

void RunFolder::commit() {
  check_target(out_, force_, true);  // nothing else appeared there meanwhile
  std::error_code ec;
  fs::remove(fs::path(staging_) / ".lock", ec);
  checkpoint().remove();
  const std::string old = staging_ + ".old";  // inside our own name space: out.partial.old
  fs::remove_all(old, ec);
  const bool replace = fs::exists(out_, ec);
  if (replace) fs::rename(out_, old, ec);  // a previous results folder, or an empty one
  if (!ec) fs::rename(staging_, out_, ec);
  if (ec) throw IoError("cannot move results into '" + out_ + "': " + ec.message());
  if (replace) fs::remove_all(old, ec);
  committed_ = true;
}

std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::stringstream ss(l);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    return cells;
  };
  if (std::getline(f, line)) header = split(line);
  while (std::getline(f, line)) {
    const std::vector<std::string> cells = split(line);
    std::map<std::string, std::string>& row = rows.emplace_back();
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
  }
  return rows;
}

}  // namespace pimscale
