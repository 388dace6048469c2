// `train --checkpoint-every N` and `train --resume OUT`: what a checkpoint's meta.json records of
// the run, the checks that a resumed run is the interrupted one (same code, ranks, configuration
// and rows), and each rank's state header. Not responsible for the state itself (Trainer::state)
// or the files (io/checkpoint.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "node/pim_server.h"
#include "src/config/config_cli.h"
#include "src/config/train_config.h"

namespace pimscale {

// `--resume` as given ("runs/a", "runs/a/", "runs/a.partial") as the run's --out ("runs/a").
std::string resume_target(const std::string& resume);

// Rank 0. The checkpoint's meta.json in `out`.partial, checked: written by this pimscale (version
// and git revision), for `ranks` ranks, not finished, and from this working folder where its paths
// are relative. Throws InputError naming the folder and the fix.
nlohmann::json read_resume_meta(const std::string& out, int ranks);

// Of the flags given beside --resume only --threads and --checkpoint-every may change the
// interrupted run's configuration (they change no result); any other is a UsageError naming it.
void check_resume_flags(const TrainConfigCli& cli);
// The interrupted run's configuration (meta["config"]) with --out `out` and the flags given.
TrainConfig resumed_config(const nlohmann::json& meta, const std::string& out,
                           const TrainConfigCli& cli);

// Rank 0. What meta.json records at the end of epoch `epochs_done`.
nlohmann::json checkpoint_meta(const TrainConfig& cfg, int ranks, int64_t epochs_done,
                               const std::vector<std::vector<std::string>>& epochs_csv,
                               double train_wall, double metrics_wall);

// Writes, or reads and checks, the head of a rank's state: the format, the rank and rank count,
// the epochs done and the CRC-32 of the rank's rows (`rows_crc`). Throws InputError when a read
// one does not belong to this run (`data` names the dataset for a changed one).
void state_header(StateArchive& a, int rank, int ranks, int64_t epochs_done, uint32_t rows_crc,
                  const std::string& data);

// CRC-32 of the rows a rank trains and tests on.
template <class Num>
uint32_t rows_crc(const ServerData<Num>& train, const ServerData<Num>& test) {
  uint32_t c = 0;
  for (const ServerData<Num>* d : {&train, &test}) {
    c = crc32_of_values(std::span(d->x), c);
    c = crc32_of_values(std::span(d->offsets), c);
    c = crc32_of_values(std::span(d->indices), c);
    c = crc32_of_values(std::span(d->y), c);
  }
  return c;
}

}  // namespace pimscale
