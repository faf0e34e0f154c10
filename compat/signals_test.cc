#include "compat/signals.h"

#include <signal.h>
#include <string.h>

#include <string>

#include "gtest/gtest.h"

namespace compat {
namespace {

TEST(CompatSignals, MatchGlibcAbbreviations) {
  for (int s = 1; s < kSigRtMin; ++s) {
    const char* abbrev = sigabbrev_np(s);
    ASSERT_NE(abbrev, nullptr) << s;
    EXPECT_EQ(StandardSignalName(s), std::string("SIG") + abbrev) << s;
    EXPECT_EQ(SignalName(s), std::string("SIG") + abbrev) << s;
  }
  EXPECT_EQ(kMaxSignal, SIGRTMAX);
}

TEST(CompatSignals, RealTime) {
  EXPECT_EQ(SignalName(32), "SIGRTMIN");
  EXPECT_EQ(SignalName(34), "SIGRTMIN+2");
  EXPECT_EQ(SignalName(64), "SIGRTMIN+32");
  EXPECT_EQ(SignalName(65), "");
  EXPECT_EQ(SignalName(0), "");
  EXPECT_EQ(StandardSignalName(32), "");
}

TEST(CompatSignals, NamesRoundTrip) {
  for (int s = 1; s <= kMaxSignal; ++s) EXPECT_EQ(SignalNumber(SignalName(s)), s) << s;
  EXPECT_EQ(SignalNumber("SIGIOT"), SIGABRT);
  EXPECT_EQ(SignalNumber("SIGIO"), SIGPOLL);
  EXPECT_EQ(SignalNumber("SIGRTMAX"), 64);
  for (const char* bad : {"", "SIG", "SIGRTMIN+", "SIGRTMIN+0", "SIGRTMIN+33", "SIGRTMIN+1x",
                          "SIGRTMIN-1", "TERM"}) {
    EXPECT_EQ(SignalNumber(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace compat
