// `pimscale report` and `--plots`: one self-contained HTML file (Vega-Lite, Vega and vega-embed
// inlined from their npm packages, no network needed to open it) of run, predict, sweep and plan
// folders, in any mix: per run the phases and bytes per epoch, accuracy, AUC and loss over epochs,
// start-up, each server's phases and waits, the model summary, warnings and the full configuration;
// several runs overlaid with a comparison table; a prediction beside the emulated run it predicts
// (error per phase); per sweep time per epoch, speed-up, efficiency and network share against the
// servers with the ideal lines; per plan the ranked candidates, the winner's margin and the
// infeasible ones with their reasons. Each chart's page script records its marks and data in
// #pimscale-check (what tests/e2e/report.sh reads in headless Chromium). Not responsible for
// producing the results it shows.
#pragma once

#include <string>
#include <vector>

namespace pimscale {

// The folder of the npm packages vega, vega-lite and vega-embed (their build/*.min.js):
// $PIMSCALE_VEGA_DIR, else where jobs/install-deps.sh installs them.
std::string vega_dir();

// Writes the report of `paths` (result folders) to `out`, replacing a file it wrote before only
// when `force` (check_output_file's rules). Throws InputError naming the path for a folder that is
// not a pimscale result, a truncated or unreadable run.json, or a run of an older format.
void write_html_report(const std::vector<std::string>& paths, const std::string& out, bool force);

}  // namespace pimscale
