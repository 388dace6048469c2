// `pimscale train`: loads presets and the rank's shard, trains, evaluates each epoch and writes the
// run folder. Collective: every rank calls it. Not responsible for parsing the command line.
#pragma once

#include "comm/cluster.h"
#include "src/train_config.h"

namespace pimscale {

int run_train(const TrainConfig& config, Cluster& cluster);

}  // namespace pimscale
