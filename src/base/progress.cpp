#include "src/base/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <utility>

namespace pimscale {

namespace {

constexpr double kTerminalEvery = 0.25;  // seconds between rewrites of a terminal's line
constexpr double kLogEvery = 10;         // seconds between plain lines

}  // namespace

std::string duration_text(double s) {
  char buf[48];
  const auto whole = static_cast<long long>(std::llround(s));
  if (whole < 60) {
    std::snprintf(buf, sizeof buf, "%lld s", whole);
  } else if (whole < 3600) {
    std::snprintf(buf, sizeof buf, "%lld min %lld s", whole / 60, whole % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld h %lld min", whole / 3600, whole / 60 % 60);
  }
  return buf;
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double Progress::seconds_left(uint64_t done, uint64_t total, double seconds) {
  return seconds / static_cast<double>(done) * static_cast<double>(total - done);
}

Progress::Progress(std::string what, uint64_t total, std::string unit, bool enabled)
    : Progress(std::move(what), total, std::move(unit), enabled, enabled && stdout_is_terminal()) {}

Progress::Progress(std::string what, uint64_t total, std::string unit, bool enabled, bool terminal)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      terminal_(terminal),
      start_(Clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

std::string Progress::line(std::string_view what, uint64_t done, uint64_t total,
                           std::string_view unit, double seconds) {
  std::string s(what);
  char buf[160];
  const double share = total ? static_cast<double>(done) / static_cast<double>(total) : 1;
  std::snprintf(buf, sizeof buf, ": %llu/%llu %.*s (%.0f%%)", static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total), static_cast<int>(unit.size()), unit.data(),
                100 * share);
  s += buf;
  if (done > 0 && seconds > 0) {
    const double rate = static_cast<double>(done) / seconds;
    std::snprintf(buf, sizeof buf, ", %.3g %.*s/s", rate, static_cast<int>(unit.size()),
                  unit.data());
    s += buf;
    if (done < total) s += ", about " + duration_text(seconds_left(done, total, seconds)) + " left";
  }
  return s;
}

void Progress::update(uint64_t done) {
  if (!enabled_) return;
  if (seconds_since(last_) < (terminal_ ? kTerminalEvery : kLogEvery)) return;
  last_ = Clock::now();
  const std::string text = line(what_, done, total_, unit_, seconds_since(start_));
  if (terminal_) {
    std::printf("\r\033[K%s", text.c_str());  // rewrite the line in place
    shown_ = true;
  } else {
    std::printf("%s\n", text.c_str());
  }
  std::fflush(stdout);
}

void Progress::finish() {
  if (!shown_) return;
  std::printf("\r\033[K");
  std::fflush(stdout);
  shown_ = false;
}

}  // namespace pimscale
