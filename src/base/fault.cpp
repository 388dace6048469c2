#include "src/base/fault.h"

#include <csignal>
#include <cstdlib>
#include <string>

#include "src/base/error.h"

namespace pimscale {

void inject_fault(std::string_view phase, int rank) {
  static const char* const spec = std::getenv("PIMSCALE_FAULT");
  if (spec == nullptr) return;
  const std::string want = std::string(phase) + "@" + std::to_string(rank);
  if (want == spec) {
    throw CollectiveFault("injected fault at " + std::string(phase) + " on rank " +
                          std::to_string(rank) + " (PIMSCALE_FAULT)");
  }
}

void kill_point(std::string_view point, int rank) {
  static const char* const spec = std::getenv("PIMSCALE_FAULT");
  if (spec == nullptr) return;
  if ("kill:" + std::string(point) + "@" + std::to_string(rank) == spec) std::raise(SIGKILL);
}

}  // namespace pimscale
