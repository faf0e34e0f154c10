// Helpers shared by the syscall suites (issue #8). Every binary is static and
// needs no file system, so it runs natively and under the Sentry unchanged.
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>

namespace syscalls_test {

// In a forked child gtest assertions do not reach the parent: CHILD_CHECK
// reports the failing line on stderr and exits with status 1.
#define CHILD_CHECK(cond)                                                  \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: CHILD_CHECK(%s) failed, errno=%d\n",         \
              __FILE__, __LINE__, #cond, errno);                           \
      _exit(1);                                                            \
    }                                                                      \
  } while (0)

// Runs fn in a forked child (which exits with fn's result) and returns the
// child's wait status.
inline int RunInChild(const std::function<int()>& fn) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// True if the wait status is a normal exit with code 0.
inline bool ExitedOk(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Restores the disposition of a signal at the end of a scope.
class SigactionRestorer {
 public:
  explicit SigactionRestorer(int sig) : sig_(sig) { sigaction(sig, nullptr, &old_); }
  ~SigactionRestorer() { sigaction(sig_, &old_, nullptr); }

 private:
  int sig_;
  struct sigaction old_;
};

// Restores the signal mask at the end of a scope.
class SigmaskRestorer {
 public:
  SigmaskRestorer() { sigprocmask(SIG_SETMASK, nullptr, &old_); }
  ~SigmaskRestorer() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

inline long ErrnoOf(long ret) { return ret < 0 ? errno : 0; }

}  // namespace syscalls_test

// Expects a libc call to fail with the given errno.
#define EXPECT_ERRNO(expr, err)                                     \
  do {                                                              \
    errno = 0;                                                      \
    auto r_ = (expr);                                               \
    EXPECT_EQ(r_, decltype(r_)(-1)) << #expr;                      \
    EXPECT_EQ(errno, (err)) << #expr << ": " << strerror(errno);    \
  } while (0)

// Expects a libc call to succeed (return value >= 0).
#define ASSERT_OK(expr)                                                    \
  ASSERT_GE((long)(expr), 0) << #expr << ": " << strerror(errno)
#define EXPECT_OK(expr)                                                    \
  EXPECT_GE((long)(expr), 0) << #expr << ": " << strerror(errno)
