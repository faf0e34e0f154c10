// File descriptors: dup/dup2/dup3, fcntl (F_DUPFD*, F_GETFD/SETFD,
// F_GETFL/SETFL), close, close_range, close-on-exec across execve of argv[0].
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/resource.h>

#include <string>
#include <thread>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

// Re-exec hook: when started with SYSCALLS_FD_CHECK=<fd>,<expect_open> the
// binary checks that descriptor before gtest runs and exits 0 if it matches.
struct ExecChildHook {
  ExecChildHook() {
    const char* spec = getenv("SYSCALLS_FD_CHECK");
    if (!spec) return;
    int fd = atoi(spec);
    const char* comma = strchr(spec, ',');
    int expect_open = comma ? atoi(comma + 1) : 0;
    int open = fcntl(fd, F_GETFD) >= 0;
    _exit(open == expect_open ? 0 : 1);
  }
} g_exec_child_hook;

// Runs argv[0] with SYSCALLS_FD_CHECK set; returns the wait status.
int ExecCheck(int fd, bool expect_open) {
  const std::string self = ::testing::internal::GetArgvs()[0];
  std::string env = "SYSCALLS_FD_CHECK=" + std::to_string(fd) + "," + (expect_open ? "1" : "0");
  return RunInChild([&] {
    char* argv[] = {const_cast<char*>(self.c_str()), nullptr};
    char* envp[] = {const_cast<char*>(env.c_str()), nullptr};
    execve(self.c_str(), argv, envp);
    return 127;
  });
}

bool SelfIsAbsolute() {
  const auto& a = ::testing::internal::GetArgvs();
  return !a.empty() && !a[0].empty() && a[0][0] == '/';
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (pipe(fds) == 0) {
      r = fds[0];
      w = fds[1];
    }
  }
  ~Pipe() {
    if (r >= 0) close(r);
    if (w >= 0) close(w);
  }
};

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) >= 0; }

TEST(Fd, DupReturnsLowestFree) {
  Pipe p;
  int d = dup(p.w);
  ASSERT_GE(d, 0);
  close(d);
  int d2 = dup(p.r);
  EXPECT_EQ(d2, d);
  close(d2);
}

TEST(Fd, DupSharesFileDescription) {
  Pipe p;
  int d = dup(p.w);
  ASSERT_GE(d, 0);
  ASSERT_OK(fcntl(d, F_SETFL, O_NONBLOCK));
  EXPECT_TRUE(fcntl(p.w, F_GETFL) & O_NONBLOCK);  // status flags are shared
  write(d, "q", 1);
  char c;
  EXPECT_EQ(read(p.r, &c, 1), 1);
  close(d);
}

TEST(Fd, DupDoesNotCopyCloexec) {
  int fds[2];
  ASSERT_OK(pipe2(fds, O_CLOEXEC));
  int d = dup(fds[0]);
  EXPECT_EQ(fcntl(d, F_GETFD), 0);
  close(d);
  close(fds[0]);
  close(fds[1]);
}

TEST(Fd, DupBadFdEbadf) {
  EXPECT_ERRNO(dup(-1), EBADF);
  EXPECT_ERRNO(dup(100000), EBADF);
}

TEST(Fd, Dup2ToChosenFd) {
  Pipe p;
  int target = 200;
  ASSERT_EQ(dup2(p.w, target), target);
  write(target, "z", 1);
  char c;
  EXPECT_EQ(read(p.r, &c, 1), 1);
  EXPECT_EQ(c, 'z');
  close(target);
}

TEST(Fd, Dup2ClosesExistingTarget) {
  Pipe a, b;
  ASSERT_EQ(dup2(a.w, b.w), b.w);
  // b's write end is gone: closing nothing else, b.r sees EOF.
  char c;
  EXPECT_EQ(read(b.r, &c, 1), 0);
}

TEST(Fd, Dup2SameFdReturnsIt) {
  Pipe p;
  EXPECT_EQ(dup2(p.r, p.r), p.r);
}

TEST(Fd, Dup2SameFdBadEbadf) {
  EXPECT_ERRNO(dup2(300, 300), EBADF);
}

TEST(Fd, Dup2ClearsCloexec) {
  int fds[2];
  ASSERT_OK(pipe2(fds, O_CLOEXEC));
  ASSERT_EQ(dup2(fds[0], 201), 201);
  EXPECT_EQ(fcntl(201, F_GETFD), 0);
  close(201);
  close(fds[0]);
  close(fds[1]);
}

TEST(Fd, Dup2BeyondRlimitEbadf) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  Pipe p;
  EXPECT_ERRNO(dup2(p.r, (int)rl.rlim_cur), EBADF);
}

TEST(Fd, Dup3SetsCloexec) {
  Pipe p;
  ASSERT_EQ(dup3(p.r, 202, O_CLOEXEC), 202);
  EXPECT_EQ(fcntl(202, F_GETFD), FD_CLOEXEC);
  close(202);
}

TEST(Fd, Dup3SameFdEinval) {
  Pipe p;
  EXPECT_ERRNO(dup3(p.r, p.r, 0), EINVAL);
}

TEST(Fd, Dup3BadFlagsEinval) {
  Pipe p;
  EXPECT_ERRNO(dup3(p.r, 203, O_NONBLOCK), EINVAL);
}

TEST(Fd, FcntlDupfdAtLeastArg) {
  Pipe p;
  int d = fcntl(p.r, F_DUPFD, 150);
  EXPECT_GE(d, 150);
  EXPECT_EQ(fcntl(d, F_GETFD), 0);
  int d2 = fcntl(p.r, F_DUPFD, 150);
  EXPECT_EQ(d2, d + 1);
  close(d);
  close(d2);
}

TEST(Fd, FcntlDupfdCloexec) {
  Pipe p;
  int d = fcntl(p.r, F_DUPFD_CLOEXEC, 160);
  EXPECT_GE(d, 160);
  EXPECT_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
  close(d);
}

TEST(Fd, FcntlDupfdNegativeEinval) {
  Pipe p;
  EXPECT_ERRNO(fcntl(p.r, F_DUPFD, -1), EINVAL);
}

TEST(Fd, FcntlDupfdAboveRlimitEinval) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  Pipe p;
  EXPECT_ERRNO(fcntl(p.r, F_DUPFD, (int)rl.rlim_cur), EINVAL);
}

TEST(Fd, FcntlSetfdGetfd) {
  Pipe p;
  EXPECT_EQ(fcntl(p.r, F_GETFD), 0);
  ASSERT_OK(fcntl(p.r, F_SETFD, FD_CLOEXEC));
  EXPECT_EQ(fcntl(p.r, F_GETFD), FD_CLOEXEC);
  ASSERT_OK(fcntl(p.r, F_SETFD, 0));
  EXPECT_EQ(fcntl(p.r, F_GETFD), 0);
}

TEST(Fd, FcntlSetflIgnoresAccessMode) {
  Pipe p;
  ASSERT_OK(fcntl(p.r, F_SETFL, O_RDWR | O_NONBLOCK));
  int fl = fcntl(p.r, F_GETFL);
  EXPECT_EQ(fl & O_ACCMODE, O_RDONLY);
  EXPECT_TRUE(fl & O_NONBLOCK);
}

TEST(Fd, FcntlBadFdEbadf) {
  EXPECT_ERRNO(fcntl(-1, F_GETFD), EBADF);
  EXPECT_ERRNO(fcntl(100001, F_GETFL), EBADF);
}

TEST(Fd, FcntlInvalidCmdEinval) {
  Pipe p;
  EXPECT_ERRNO(fcntl(p.r, 9999), EINVAL);
}

TEST(Fd, CloseTwiceEbadf) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  EXPECT_EQ(close(fds[0]), 0);
  EXPECT_ERRNO(close(fds[0]), EBADF);
  close(fds[1]);
}

TEST(Fd, CloseOneDupKeepsOther) {
  Pipe p;
  int d = dup(p.w);
  close(d);
  EXPECT_EQ(write(p.w, "k", 1), 1);
}

TEST(Fd, CloseRangeClosesAll) {
  Pipe p;
  int a = dup2(p.r, 210), b = dup2(p.r, 212);
  ASSERT_EQ(a, 210);
  ASSERT_EQ(b, 212);
  ASSERT_EQ(syscall(SYS_close_range, 210, 212, 0), 0);
  EXPECT_FALSE(IsOpen(210));
  EXPECT_FALSE(IsOpen(212));
  EXPECT_TRUE(IsOpen(p.r));
}

TEST(Fd, CloseRangeCloexecFlag) {
  Pipe p;
  ASSERT_EQ(dup2(p.r, 220), 220);
  ASSERT_EQ(syscall(SYS_close_range, 220, 220, CLOSE_RANGE_CLOEXEC), 0);
  EXPECT_EQ(fcntl(220, F_GETFD), FD_CLOEXEC);
  close(220);
}

TEST(Fd, CloseRangeUnshareLeavesOtherThreadsTable) {
  Pipe p;
  ASSERT_EQ(dup2(p.r, 230), 230);
  // A thread that unshares and closes: the process's table keeps fd 230.
  std::thread([] { syscall(SYS_close_range, 230, 230, CLOSE_RANGE_UNSHARE); }).join();
  EXPECT_TRUE(IsOpen(230));
  close(230);
}

TEST(Fd, CloseRangeBeyondOpenFdsOk) {
  EXPECT_EQ(syscall(SYS_close_range, 100000, ~0u, 0), 0);
}

TEST(Fd, CloseRangeInvalidEinval) {
  EXPECT_ERRNO(syscall(SYS_close_range, 10, 5, 0), EINVAL);
  EXPECT_ERRNO(syscall(SYS_close_range, 10, 20, 0x80), EINVAL);
}

TEST(Fd, ForkSharesDescriptionOffsetsAndFlags) {
  Pipe p;
  int st = RunInChild([&] { return fcntl(p.w, F_SETFL, O_NONBLOCK) == 0 ? 0 : 1; });
  ASSERT_TRUE(ExitedOk(st));
  EXPECT_TRUE(fcntl(p.w, F_GETFL) & O_NONBLOCK);
}

TEST(Fd, ForkFdTableIsCopied) {
  Pipe p;
  int st = RunInChild([&] {
    close(p.w);
    return 0;
  });
  ASSERT_TRUE(ExitedOk(st));
  EXPECT_TRUE(IsOpen(p.w));  // the child's close does not affect us
}

TEST(Fd, ThreadsShareFdTable) {
  int fd = -1;
  Pipe p;
  std::thread([&] { fd = dup(p.r); }).join();
  EXPECT_TRUE(IsOpen(fd));
  close(fd);
}

TEST(Fd, ExecKeepsFdWithoutCloexec) {
  if (!SelfIsAbsolute()) GTEST_SKIP() << "argv[0] is not an absolute path";
  Pipe p;
  ASSERT_EQ(dup2(p.r, 230), 230);
  EXPECT_TRUE(ExitedOk(ExecCheck(230, true)));
  close(230);
}

TEST(Fd, ExecClosesCloexecFd) {
  if (!SelfIsAbsolute()) GTEST_SKIP() << "argv[0] is not an absolute path";
  Pipe p;
  ASSERT_EQ(dup3(p.r, 231, O_CLOEXEC), 231);
  EXPECT_TRUE(ExitedOk(ExecCheck(231, false)));
  close(231);
}

TEST(Fd, ExecClosesFdMarkedViaSetfd) {
  if (!SelfIsAbsolute()) GTEST_SKIP() << "argv[0] is not an absolute path";
  Pipe p;
  ASSERT_EQ(dup2(p.r, 232), 232);
  ASSERT_OK(fcntl(232, F_SETFD, FD_CLOEXEC));
  EXPECT_TRUE(ExitedOk(ExecCheck(232, false)));
  close(232);
}

TEST(Fd, StdioInheritedAcrossExec) {
  if (!SelfIsAbsolute()) GTEST_SKIP() << "argv[0] is not an absolute path";
  if (!IsOpen(2)) GTEST_SKIP() << "stderr not open";
  EXPECT_TRUE(ExitedOk(ExecCheck(2, true)));
}

TEST(Fd, RlimitNofileLimitsNewFds) {
  int st = RunInChild([] {
    int base[2];
    CHILD_CHECK(pipe(base) == 0);
    struct rlimit rl = {64, 64};
    CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    int last = -1;
    for (;;) {
      int d = dup(base[0]);
      if (d < 0) {
        CHILD_CHECK(errno == EMFILE);
        break;
      }
      last = d;
    }
    CHILD_CHECK(last == 63);
    int fds[2];
    errno = 0;
    CHILD_CHECK(pipe(fds) == -1 && errno == EMFILE);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

}  // namespace
