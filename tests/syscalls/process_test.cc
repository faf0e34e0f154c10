// Processes: fork/vfork/clone, exit statuses, wait4/waitid, ids, sessions.
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <thread>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

TEST(Process, GetpidMatchesRawSyscall) {
  EXPECT_EQ(getpid(), syscall(SYS_getpid));
  EXPECT_GT(getpid(), 0);
}

TEST(Process, GettidEqualsPidInMainThread) {
  EXPECT_EQ(syscall(SYS_gettid), getpid());
}

TEST(Process, ForkChildSeesParentAsPpid) {
  pid_t parent = getpid();
  int st = RunInChild([&] { return getppid() == parent ? 0 : 1; });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, ForkChildHasNewPid) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    pid_t me = getpid();
    (void)!write(fds[1], &me, sizeof me);
    _exit(0);
  }
  close(fds[1]);
  pid_t reported = 0;
  ASSERT_EQ(read(fds[0], &reported, sizeof reported), (ssize_t)sizeof reported);
  close(fds[0]);
  EXPECT_EQ(reported, pid);
  EXPECT_NE(reported, getpid());
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
}

TEST(Process, ForkCopiesMemory) {
  static int value = 1;
  int st = RunInChild([] {
    value = 2;
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
  EXPECT_EQ(value, 1);
}

TEST(Process, ExitStatusCodes) {
  for (int code : {0, 1, 42, 255}) {
    int st = RunInChild([code] { return code; });
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), code);
  }
}

TEST(Process, ExitStatusTruncatedTo8Bits) {
  int st = RunInChild([] { return 0x1ff; });
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0xff);
}

TEST(Process, KilledBySignalStatus) {
  int st = RunInChild([] {
    raise(SIGKILL);
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

TEST(Process, KilledBySigtermStatus) {
  int st = RunInChild([] {
    signal(SIGTERM, SIG_DFL);
    kill(getpid(), SIGTERM);
    pause();
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGTERM);
}

TEST(Process, ExitGroupFromThreadEndsProcess) {
  int st = RunInChild([] {
    std::thread([] { syscall(SYS_exit_group, 7); }).join();
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 7);
}

TEST(Process, WaitpidNoChildrenEchild) {
  int st = RunInChild([] {
    int s;
    errno = 0;
    CHILD_CHECK(waitpid(-1, &s, 0) == -1 && errno == ECHILD);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, WaitpidWnohangReturnsZeroWhileRunning) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    _exit(3);
  }
  close(fds[0]);
  int st;
  EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);
  close(fds[1]);
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_EQ(WEXITSTATUS(st), 3);
}

TEST(Process, WaitpidSpecificPid) {
  pid_t a = fork();
  if (a == 0) _exit(11);
  pid_t b = fork();
  if (b == 0) _exit(22);
  int st;
  ASSERT_EQ(waitpid(b, &st, 0), b);
  EXPECT_EQ(WEXITSTATUS(st), 22);
  ASSERT_EQ(waitpid(a, &st, 0), a);
  EXPECT_EQ(WEXITSTATUS(st), 11);
}

TEST(Process, WaitpidInvalidOptionsEinval) {
  int st;
  EXPECT_ERRNO(waitpid(-1, &st, 0x100 /* not a wait4 option */), EINVAL);
}

TEST(Process, WaitpidNotOurChildEchild) {
  int st;
  EXPECT_ERRNO(waitpid(1, &st, WNOHANG), ECHILD);
}

TEST(Process, Wait4ReportsRusage) {
  pid_t pid = fork();
  if (pid == 0) _exit(5);
  int st;
  struct rusage ru;
  memset(&ru, 0xff, sizeof ru);
  ASSERT_EQ(wait4(pid, &st, 0, &ru), pid);
  EXPECT_EQ(WEXITSTATUS(st), 5);
  EXPECT_GE(ru.ru_utime.tv_sec, 0);
  EXPECT_LT(ru.ru_utime.tv_usec, 1000000);
  EXPECT_GE(ru.ru_stime.tv_sec, 0);
}

TEST(Process, WaitidExitedInfo) {
  pid_t pid = fork();
  if (pid == 0) _exit(9);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  ASSERT_OK(waitid(P_PID, pid, &si, WEXITED));
  EXPECT_EQ(si.si_signo, SIGCHLD);
  EXPECT_EQ(si.si_code, CLD_EXITED);
  EXPECT_EQ(si.si_pid, pid);
  EXPECT_EQ(si.si_status, 9);
}

TEST(Process, WaitidKilledInfo) {
  pid_t pid = fork();
  if (pid == 0) {
    raise(SIGKILL);
    _exit(0);
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  ASSERT_OK(waitid(P_PID, pid, &si, WEXITED));
  EXPECT_EQ(si.si_code, CLD_KILLED);
  EXPECT_EQ(si.si_status, SIGKILL);
}

TEST(Process, WaitidWnowaitLeavesZombie) {
  pid_t pid = fork();
  if (pid == 0) _exit(4);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  ASSERT_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
  EXPECT_EQ(si.si_pid, pid);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_EQ(WEXITSTATUS(st), 4);
}

TEST(Process, WaitidNoOptionsEinval) {
  siginfo_t si;
  EXPECT_ERRNO(waitid(P_ALL, 0, &si, 0), EINVAL);
}

TEST(Process, WaitidWnohangNoneReadyZeroesPid) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    _exit(0);
  }
  close(fds[0]);
  siginfo_t si;
  memset(&si, 0xff, sizeof si);
  ASSERT_EQ(waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0);
  EXPECT_EQ(si.si_pid, 0);
  close(fds[1]);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
}

TEST(Process, StoppedAndContinuedReported) {
  pid_t pid = fork();
  if (pid == 0) {
    raise(SIGSTOP);
    _exit(6);
  }
  int st;
  ASSERT_EQ(waitpid(pid, &st, WUNTRACED), pid);
  ASSERT_TRUE(WIFSTOPPED(st));
  EXPECT_EQ(WSTOPSIG(st), SIGSTOP);
  ASSERT_OK(kill(pid, SIGCONT));
  ASSERT_EQ(waitpid(pid, &st, WCONTINUED), pid);
  if (WIFCONTINUED(st)) {
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
  }
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 6);
}

TEST(Process, VforkSharesMemoryAndSuspendsParent) {
  static volatile int shared = 0;
  pid_t pid = vfork();
  if (pid == 0) {
    shared = 42;
    _exit(0);
  }
  ASSERT_GT(pid, 0);
  EXPECT_EQ(shared, 42);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, CloneWithExitSignalSigchld) {
  pid_t pid = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid == 0) syscall(SYS_exit, 13);
  ASSERT_GT(pid, 0);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_EQ(WEXITSTATUS(st), 13);
}

TEST(Process, CloneNoExitSignalNeedsWclone) {
  pid_t pid = syscall(SYS_clone, 0, nullptr, nullptr, nullptr, 0);
  if (pid == 0) syscall(SYS_exit, 14);
  ASSERT_GT(pid, 0);
  int st;
  // A child with no exit signal is a "clone" child: waitpid needs __WCLONE.
  EXPECT_EQ(waitpid(pid, &st, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  ASSERT_EQ(waitpid(pid, &st, __WCLONE), pid);
  EXPECT_EQ(WEXITSTATUS(st), 14);
}

TEST(Process, CloneInvalidFlagsEinval) {
  // CLONE_SIGHAND without CLONE_VM is invalid.
  EXPECT_ERRNO(syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, nullptr, nullptr, nullptr, 0), EINVAL);
  // CLONE_THREAD without CLONE_SIGHAND is invalid.
  EXPECT_ERRNO(syscall(SYS_clone, CLONE_THREAD | CLONE_VM | SIGCHLD, nullptr, nullptr, nullptr, 0),
               EINVAL);
}

TEST(Process, SetsidMakesSessionLeader) {
  int st = RunInChild([] {
    pid_t sid = setsid();
    CHILD_CHECK(sid == getpid());
    CHILD_CHECK(getsid(0) == getpid());
    CHILD_CHECK(getpgrp() == getpid());
    // A session leader cannot create another session.
    errno = 0;
    CHILD_CHECK(setsid() == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, SetsidFailsForGroupLeader) {
  int st = RunInChild([] {
    CHILD_CHECK(setpgid(0, 0) == 0);
    errno = 0;
    CHILD_CHECK(setsid() == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, GetsidOfChildEqualsOurs) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    _exit(0);
  }
  close(fds[0]);
  EXPECT_EQ(getsid(pid), getsid(0));
  close(fds[1]);
  int st;
  waitpid(pid, &st, 0);
}

TEST(Process, GetsidNoSuchProcessEsrch) {
  int st;
  // A reaped child's pid is free (pids are not reused immediately).
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, &st, 0);
  EXPECT_ERRNO(getsid(pid), ESRCH);
}

TEST(Process, SetpgidCreatesGroup) {
  int st = RunInChild([] {
    CHILD_CHECK(setpgid(0, 0) == 0);
    CHILD_CHECK(getpgid(0) == getpid());
    CHILD_CHECK(getpgrp() == getpid());
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, SetpgidOfChildByParent) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    _exit(getpgrp() == getpid() ? 0 : 1);
  }
  close(fds[0]);
  ASSERT_OK(setpgid(pid, pid));
  EXPECT_EQ(getpgid(pid), pid);
  close(fds[1]);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, SetpgidNegativeEinval) {
  EXPECT_ERRNO(setpgid(0, -1), EINVAL);
}

TEST(Process, SetpgidNonChildEsrch) {
  EXPECT_ERRNO(setpgid(1, 1), ESRCH);
}

TEST(Process, KillProcessGroup) {
  int st = RunInChild([] {
    CHILD_CHECK(setpgid(0, 0) == 0);
    pid_t a = fork();
    if (a == 0) {
      for (;;) pause();
    }
    signal(SIGUSR2, SIG_IGN);
    CHILD_CHECK(kill(-getpgrp(), SIGUSR2) == 0);
    int s;
    CHILD_CHECK(waitpid(a, &s, 0) == a);
    CHILD_CHECK(WIFSIGNALED(s) && WTERMSIG(s) == SIGUSR2);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, KillZeroChecksExistence) {
  EXPECT_OK(kill(getpid(), 0));
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  EXPECT_ERRNO(kill(pid, 0), ESRCH);
}

TEST(Process, KillInvalidSignalEinval) {
  EXPECT_ERRNO(kill(getpid(), 65), EINVAL);
  EXPECT_ERRNO(kill(getpid(), -1), EINVAL);
}

TEST(Process, OrphanReparentedToSubreaper) {
  int st = RunInChild([] {
    CHILD_CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    int go[2], back[2];
    CHILD_CHECK(pipe(go) == 0 && pipe(back) == 0);
    pid_t mid = fork();
    if (mid == 0) {
      pid_t gc = fork();
      if (gc == 0) {
        char c;
        CHILD_CHECK(read(go[0], &c, 1) == 1);
        pid_t pp = getppid();
        CHILD_CHECK(write(back[1], &pp, sizeof pp) == sizeof pp);
        _exit(0);
      }
      _exit(gc > 0 ? 0 : 1);
    }
    int s;
    CHILD_CHECK(waitpid(mid, &s, 0) == mid && WIFEXITED(s) && WEXITSTATUS(s) == 0);
    CHILD_CHECK(write(go[1], "x", 1) == 1);
    pid_t pp = 0;
    CHILD_CHECK(read(back[0], &pp, sizeof pp) == sizeof pp);
    CHILD_CHECK(pp == getpid());
    pid_t gc = waitpid(-1, &s, 0);
    CHILD_CHECK(gc > 0 && WIFEXITED(s));
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, SetTidAddressReturnsTid) {
  static int ctid;
  EXPECT_EQ(syscall(SYS_set_tid_address, &ctid), syscall(SYS_gettid));
}

TEST(Process, ThreadsShareTgidDifferentTid) {
  pid_t tid = 0, pid = 0;
  std::thread t([&] {
    tid = syscall(SYS_gettid);
    pid = getpid();
  });
  t.join();
  EXPECT_EQ(pid, getpid());
  EXPECT_NE(tid, getpid());
  EXPECT_GT(tid, 0);
}

TEST(Process, ExecReplacesImage) {
  // Re-executes this binary (argv[0]) with a filter matching nothing but a
  // tiny test: verifies execve + exit status propagation.
  const std::string self = ::testing::internal::GetArgvs()[0];
  if (self.empty() || self[0] != '/') GTEST_SKIP() << "argv[0] is not an absolute path (run the binary by absolute path; /proc/self/exe is not used)";
  pid_t pid = fork();
  if (pid == 0) {
    char* argv[] = {const_cast<char*>(self.c_str()),
                    const_cast<char*>("--gtest_filter=Process.GetpidMatchesRawSyscall"), nullptr};
    char* envp[] = {nullptr};
    execve(self.c_str(), argv, envp);
    _exit(127);
  }
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Process, ExecveBadPathFails) {
  int st = RunInChild([] {
    char* argv[] = {nullptr};
    errno = 0;
    int r = execve("", argv, argv);
    return (r == -1 && errno == ENOENT) ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
}

}  // namespace
