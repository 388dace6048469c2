#include "src/commands/train_checkpoint.h"

#include <fmt/core.h>

#include <filesystem>

#include "src/base/error.h"
#include "src/version.h"

namespace pimscale {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMetaFormat = 1;
constexpr uint32_t kStateFormat = 1;

}  // namespace

std::string resume_target(const std::string& resume) {
  std::string out = resume;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  const std::string suffix = ".partial";
  if (out.size() > suffix.size() && out.ends_with(suffix)) out.resize(out.size() - suffix.size());
  return out;
}

nlohmann::json read_resume_meta(const std::string& out, int ranks) {
  const std::string staging = out + ".partial";
  if (CheckpointFolder::find(staging).empty()) {
    std::error_code ec;
    if (fs::exists(fs::path(out) / "run.json", ec)) {
      throw InputError("--resume '" + out +
                       "': that run finished (its run.json is there); there is nothing to resume");
    }
    throw InputError("--resume '" + out + "': no checkpoint in '" + staging +
                     "' (a run writes one with --checkpoint-every N); start the run again");
  }
  nlohmann::json meta = CheckpointFolder(staging).read_meta();
  const std::string where = "--resume '" + out + "': ";
  auto field = [&](const char* key) -> const nlohmann::json& {
    if (!meta.contains(key)) {
      throw InputError(where + "the checkpoint's meta.json has no '" + key +
                       "' (another version wrote it); start the run again");
    }
    return meta[key];
  };
  if (field("format_version") != kMetaFormat || field("pimscale_version") != kVersion ||
      field("git_revision") != kGitRevision) {
    throw InputError(where + fmt::format("the checkpoint was written by pimscale {} ({}), this is "
                                         "{} ({}); resume with that build, or start the run again",
                                         field("pimscale_version").dump(),
                                         field("git_revision").dump(), kVersion, kGitRevision));
  }
  if (field("ranks") != ranks) {
    throw InputError(where + fmt::format("the run had {} ranks (servers) and this one has {}; "
                                         "resume it with mpirun -n {}",
                                         field("ranks").dump(), ranks, field("ranks").dump()));
  }
  const nlohmann::json& cfg = field("config");
  std::error_code ec;
  const std::string here = fs::current_path(ec).string();
  for (const char* key : {"data", "trace"}) {
    const std::string path = cfg.value(key, std::string());
    if (!path.empty() && fs::path(path).is_relative() && field("cwd") != here) {
      throw InputError(where + fmt::format("the run started in {} and its --{} '{}' is relative "
                                           "to it; resume from that folder",
                                           field("cwd").dump(), key, path));
    }
  }
  field("epochs_done");
  field("epochs_csv");
  return meta;
}

void check_resume_flags(const TrainConfigCli& cli) {
  for (const std::string& flag : cli.given_flags()) {
    if (flag != "--threads" && flag != "--checkpoint-every") {
      throw UsageError("--resume continues the interrupted run with its own configuration; drop " +
                       flag + " (only --threads and --checkpoint-every may be given with it)");
    }
  }
}

TrainConfig resumed_config(const nlohmann::json& meta, const std::string& out,
                           const TrainConfigCli& cli) {
  TrainConfig base = config_from_json(meta.at("config"), "the checkpoint in '" + out + ".partial'");
  base.out = out;
  return cli.resolve_over(std::move(base));
}

nlohmann::json checkpoint_meta(const TrainConfig& cfg, int ranks, int64_t epochs_done,
                               const std::vector<std::vector<std::string>>& epochs_csv,
                               double train_wall, double metrics_wall) {
  std::error_code ec;
  return {{"format_version", kMetaFormat},
          {"pimscale_version", kVersion},
          {"git_revision", kGitRevision},
          {"ranks", ranks},
          {"epochs_done", epochs_done},
          {"epochs", cfg.epochs},
          {"config", to_json(cfg)},
          {"cwd", fs::current_path(ec).string()},
          {"epochs_csv", epochs_csv},
          {"train_wall_seconds", train_wall},
          {"metrics_wall_seconds", metrics_wall}};
}

void state_header(StateArchive& a, int rank, int ranks, int64_t epochs_done, uint32_t rows_crc,
                  const std::string& data) {
  uint32_t format = kStateFormat, crc = rows_crc;
  int32_t r = rank, n = ranks;
  int64_t e = epochs_done;
  a(format);
  a(r);
  a(n);
  a(e);
  a(crc);
  if (!a.reading()) return;
  if (format != kStateFormat || r != rank || n != ranks || e != epochs_done) {
    throw InputError(fmt::format(
        "the checkpoint's state of rank {} belongs to another checkpoint (rank {} of {}, epoch "
        "{}; expected epoch {}); start the run again without --resume",
        rank, r, n, e, epochs_done));
  }
  if (crc != rows_crc) {
    throw InputError(fmt::format(
        "--resume: the rows of rank {} differ from those the interrupted run trained on (CRC-32 "
        "{:08x}, now {:08x}): '{}' changed since; restore it, or start the run again",
        rank, crc, rows_crc, data));
  }
}

}  // namespace pimscale
