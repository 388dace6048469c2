// Progress of long work, shown by one process (rank 0): how much is done, the rate and the time
// left. On a terminal, one line rewritten in place at most four times a second and cleared when the
// work ends; anywhere else (a pipe, a log, a batch job's output), a plain line every 10 s, so logs
// stay readable. Not responsible for what the work is.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace pimscale {

class Progress {
 public:
  // `what` names the work ("epoch 2/5"), `unit` what is counted ("rounds"); `total` of them. A
  // disabled Progress (every rank but 0) prints nothing. `terminal`: whether stdout is a terminal
  // (isatty), decided by the caller's environment unless given.
  Progress(std::string what, uint64_t total, std::string unit, bool enabled);
  Progress(std::string what, uint64_t total, std::string unit, bool enabled, bool terminal);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of the total are done (cheap: one clock read).
  void update(uint64_t done);
  // The work ended: a terminal's line is cleared (the caller prints its own summary).
  void finish();

  // The line for `done` of `total` after `seconds`: "what: 37/128 rounds (29%), 12.3 rounds/s,
  // about 7 s left".
  static std::string line(std::string_view what, uint64_t done, uint64_t total,
                          std::string_view unit, double seconds);
  // The seconds the rest takes at the rate so far (`done` > 0 of `total` in `seconds`).
  static double seconds_left(uint64_t done, uint64_t total, double seconds);

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_, unit_;
  uint64_t total_;
  bool enabled_, terminal_, shown_ = false;
  Clock::time_point start_, last_;
};

// Whether standard output is a terminal.
bool stdout_is_terminal();

// Wall seconds since `start` (the steady clock).
double seconds_since(std::chrono::steady_clock::time_point start);

// A duration for people: "7 s", "3 min 20 s", "2 h 5 min".
std::string duration_text(double seconds);

}  // namespace pimscale
