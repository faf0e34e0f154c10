#include "compat/errnos.h"

#include <string.h>

#include <cerrno>

#include "gtest/gtest.h"

namespace compat {
namespace {

TEST(CompatErrnos, MatchGlibcNames) {
  for (int e = 1; e <= kMaxErrno; ++e) {
    const char* glibc = strerrorname_np(e);
    if (glibc == nullptr) {
      EXPECT_EQ(ErrnoName(e), "") << e;
    } else {
      EXPECT_EQ(ErrnoName(e), glibc) << e;
    }
  }
  EXPECT_EQ(ErrnoName(kMaxErrno), "EHWPOISON");
  EXPECT_EQ(kMaxErrno, EHWPOISON);
}

TEST(CompatErrnos, NamesRoundTrip) {
  for (int e = 1; e <= kMaxErrno; ++e) {
    if (ErrnoName(e).empty()) continue;
    EXPECT_EQ(ErrnoNumber(ErrnoName(e)), e) << ErrnoName(e);
  }
  EXPECT_EQ(ErrnoNumber("EWOULDBLOCK"), EAGAIN);
  EXPECT_EQ(ErrnoNumber("EDEADLOCK"), EDEADLK);
  EXPECT_EQ(ErrnoNumber("ENOTSUP"), EOPNOTSUPP);
  EXPECT_EQ(ErrnoNumber("ENOPE"), std::nullopt);
  EXPECT_EQ(ErrnoNumber(""), std::nullopt);
}

TEST(CompatErrnos, OutOfRangeAndKernelInternal) {
  EXPECT_EQ(ErrnoName(0), "");
  EXPECT_EQ(ErrnoName(-1), "");
  EXPECT_EQ(ErrnoName(134), "");
  EXPECT_EQ(ErrnoName(512), "ERESTARTSYS");
  EXPECT_EQ(ErrnoName(516), "ERESTART_RESTARTBLOCK");
  EXPECT_EQ(ErrnoName(517), "");
  EXPECT_EQ(ErrnoNumber("ERESTARTNOHAND"), 514);
}

}  // namespace
}  // namespace compat
