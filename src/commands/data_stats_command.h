// `pimscale data stats`: a dataset's statistics for the predictor, printed and stored in the file's
// /stats (or a synthetic workload's, from its generator parameters). Runs in one process.
#pragma once

#include <cstdint>
#include <string>

#include "io/synth.h"
#include "src/config/enums.h"

namespace pimscale {

// `file` or `synthetic` (kCriteo or kYfcc, with `spec` and `rows`); `batches` and `shards`
// comma-separated. Throws InputError for a missing file, both or neither source, or a malformed
// list.
void run_data_stats(const std::string& file, SyntheticShape synthetic, SynthSpec spec, double rows,
                    uint64_t sample_rows, const std::string& batches, const std::string& shards,
                    bool store, const std::string& json_out);

}  // namespace pimscale
