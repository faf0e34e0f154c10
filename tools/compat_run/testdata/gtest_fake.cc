// A tiny gtest binary for compat-run's tests. The fake sentry fails
// Fake.FailsInSandbox; everything else behaves the same on both sides.
#include <gtest/gtest.h>

TEST(Fake, Passes) { EXPECT_EQ(1 + 1, 2); }
TEST(Fake, Fails) { EXPECT_EQ(1 + 1, 3); }
TEST(Fake, Skips) { GTEST_SKIP() << "not here"; }
TEST(Fake, FailsInSandbox) { SUCCEED(); }
TEST(Fake, DISABLED_Never) { FAIL(); }
TEST(Other, Passes) { SUCCEED(); }
