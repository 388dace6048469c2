// The progress line: its text, and what reaches a terminal or a log.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "src/base/progress.h"

namespace pimscale {
namespace {

TEST(Progress, LineSaysDoneRateAndTimeLeft) {
  EXPECT_EQ(Progress::line("epoch 2/5", 32, 128, "rounds", 4.0),
            "epoch 2/5: 32/128 rounds (25%), 8 rounds/s, about 12 s left");
  EXPECT_EQ(Progress::line("synth", 0, 100, "rows", 1.0), "synth: 0/100 rows (0%)");
  EXPECT_EQ(Progress::line("synth", 100, 100, "rows", 2.0),
            "synth: 100/100 rows (100%), 50 rows/s");
  EXPECT_EQ(Progress::line("x", 1, 1000, "rows", 1.0),
            "x: 1/1000 rows (0%), 1 rows/s, about 16 min 39 s left");
}

TEST(Progress, DurationsForPeople) {
  EXPECT_EQ(duration_text(7.4), "7 s");
  EXPECT_EQ(duration_text(200), "3 min 20 s");
  EXPECT_EQ(duration_text(7500), "2 h 5 min");
}

// A terminal's line is rewritten in place (carriage return, erase to the end of the line) and
// cleared at the end; a log gets nothing before 10 s; a disabled one prints nothing at all.
TEST(Progress, TerminalRewritesInPlaceLogWaitsDisabledIsSilent) {
  testing::internal::CaptureStdout();
  {
    Progress p("epoch 1/1", 10, "rounds", true, true);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    p.update(5);
    p.update(6);  // within a quarter second of the last: not shown
    p.finish();
  }
  const std::string terminal = testing::internal::GetCapturedStdout();
  EXPECT_EQ(terminal.rfind("\r\033[Kepoch 1/1: 5/10 rounds (50%), ", 0), 0u) << terminal;
  EXPECT_EQ(terminal.find("6/10"), std::string::npos);
  EXPECT_EQ(terminal.substr(terminal.size() - 4), "\r\033[K");
  EXPECT_EQ(terminal.find('\n'), std::string::npos);

  testing::internal::CaptureStdout();
  {
    Progress log("epoch 1/1", 10, "rounds", true, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    log.update(5);
    Progress off("epoch 1/1", 10, "rounds", false, true);
    off.update(5);
  }
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
}

}  // namespace
}  // namespace pimscale
