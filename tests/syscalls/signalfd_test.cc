// signalfd(2) / signalfd4(2): reading blocked signals as records.
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <thread>

#include "test_util.h"

namespace {

using syscalls_test::SigmaskRestorer;

sigset_t Set(std::initializer_list<int> sigs) {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : sigs) sigaddset(&s, sig);
  return s;
}

TEST(Signalfd, ReadsPendingSignal) {
  SigmaskRestorer r;
  sigset_t s = Set({SIGUSR1});
  ASSERT_OK(sigprocmask(SIG_BLOCK, &s, nullptr));
  int fd = signalfd(-1, &s, SFD_NONBLOCK);
  ASSERT_OK(fd);
  ASSERT_OK(kill(getpid(), SIGUSR1));
  struct signalfd_siginfo si;
  ASSERT_EQ(read(fd, &si, sizeof si), (ssize_t)sizeof si);
  EXPECT_EQ(si.ssi_signo, (uint32_t)SIGUSR1);
  EXPECT_EQ(si.ssi_code, SI_USER);
  EXPECT_EQ(si.ssi_pid, (uint32_t)getpid());
  EXPECT_EQ(si.ssi_uid, getuid());
  // Consumed: no longer pending.
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGUSR1));
  EXPECT_ERRNO(read(fd, &si, sizeof si), EAGAIN);
  close(fd);
}

TEST(Signalfd, SigqueueValue) {
  SigmaskRestorer r;
  sigset_t s = Set({SIGRTMIN + 1});
  ASSERT_OK(sigprocmask(SIG_BLOCK, &s, nullptr));
  int fd = signalfd(-1, &s, SFD_NONBLOCK);
  union sigval v;
  v.sival_int = 1234;
  ASSERT_OK(sigqueue(getpid(), SIGRTMIN + 1, v));
  ASSERT_OK(sigqueue(getpid(), SIGRTMIN + 1, v));
  struct signalfd_siginfo si[4];
  // Both queued instances of the real-time signal come back in one read.
  ASSERT_EQ(read(fd, si, sizeof si), (ssize_t)(2 * sizeof si[0]));
  EXPECT_EQ(si[0].ssi_code, SI_QUEUE);
  EXPECT_EQ(si[0].ssi_int, 1234);
  EXPECT_EQ(si[1].ssi_signo, (uint32_t)(SIGRTMIN + 1));
  close(fd);
}

TEST(Signalfd, OnlySignalsInMask) {
  SigmaskRestorer r;
  sigset_t both = Set({SIGUSR1, SIGUSR2});
  ASSERT_OK(sigprocmask(SIG_BLOCK, &both, nullptr));
  sigset_t s = Set({SIGUSR2});
  int fd = signalfd(-1, &s, SFD_NONBLOCK);
  ASSERT_OK(kill(getpid(), SIGUSR1));
  struct signalfd_siginfo si;
  EXPECT_ERRNO(read(fd, &si, sizeof si), EAGAIN);
  ASSERT_OK(kill(getpid(), SIGUSR2));
  ASSERT_EQ(read(fd, &si, sizeof si), (ssize_t)sizeof si);
  EXPECT_EQ(si.ssi_signo, (uint32_t)SIGUSR2);
  // Discard the still-pending SIGUSR1 before the mask is restored.
  sigset_t u1 = Set({SIGUSR1});
  ASSERT_OK(signalfd(fd, &u1, 0));
  ASSERT_EQ(read(fd, &si, sizeof si), (ssize_t)sizeof si);
  EXPECT_EQ(si.ssi_signo, (uint32_t)SIGUSR1);
  close(fd);
}

TEST(Signalfd, ShortBufferEinval) {
  sigset_t s = Set({SIGUSR1});
  int fd = signalfd(-1, &s, SFD_NONBLOCK);
  char small[64];
  EXPECT_ERRNO(read(fd, small, sizeof small), EINVAL);
  close(fd);
}

TEST(Signalfd, BadSizemaskEinval) {
  sigset_t s = Set({SIGUSR1});
  EXPECT_ERRNO(syscall(SYS_signalfd4, -1, &s, 4, 0), EINVAL);
}

TEST(Signalfd, BadFlagsEinval) {
  sigset_t s = Set({SIGUSR1});
  EXPECT_ERRNO(syscall(SYS_signalfd4, -1, &s, 8, 0x1), EINVAL);
}

TEST(Signalfd, NotASignalfdEinval) {
  int p[2];
  ASSERT_OK(pipe(p));
  sigset_t s = Set({SIGUSR1});
  EXPECT_ERRNO(signalfd(p[0], &s, 0), EINVAL);
  EXPECT_ERRNO(signalfd(1000, &s, 0), EBADF);
  close(p[0]);
  close(p[1]);
}

TEST(Signalfd, CloexecNonblockFlags) {
  sigset_t s = Set({SIGUSR1});
  int fd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
  ASSERT_OK(fd);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  close(fd);
}

TEST(Signalfd, PollReadiness) {
  SigmaskRestorer r;
  sigset_t s = Set({SIGUSR1});
  ASSERT_OK(sigprocmask(SIG_BLOCK, &s, nullptr));
  int fd = signalfd(-1, &s, SFD_NONBLOCK);
  struct pollfd p = {fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);
  ASSERT_OK(kill(getpid(), SIGUSR1));
  EXPECT_EQ(poll(&p, 1, 0), 1);
  EXPECT_EQ(p.revents, POLLIN);
  struct signalfd_siginfo si;
  ASSERT_EQ(read(fd, &si, sizeof si), (ssize_t)sizeof si);
  EXPECT_EQ(poll(&p, 1, 0), 0);
  close(fd);
}

TEST(Signalfd, BlockingReadWokenBySignalFromThread) {
  SigmaskRestorer r;
  sigset_t s = Set({SIGUSR2});
  ASSERT_OK(sigprocmask(SIG_BLOCK, &s, nullptr));
  int fd = signalfd(-1, &s, 0);
  ASSERT_OK(fd);
  pid_t self = getpid();
  std::thread th([self, s] {
    sigset_t m = s;
    pthread_sigmask(SIG_BLOCK, &m, nullptr);
    usleep(50000);
    kill(self, SIGUSR2);
  });
  struct signalfd_siginfo si;
  EXPECT_EQ(read(fd, &si, sizeof si), (ssize_t)sizeof si);
  EXPECT_EQ(si.ssi_signo, (uint32_t)SIGUSR2);
  th.join();
  close(fd);
}

TEST(Signalfd, EpollWakesOnSignal) {
  SigmaskRestorer r;
  sigset_t s = Set({SIGUSR1});
  ASSERT_OK(sigprocmask(SIG_BLOCK, &s, nullptr));
  int fd = signalfd(-1, &s, SFD_NONBLOCK);
  int ep = epoll_create1(0);
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
  ASSERT_OK(kill(getpid(), SIGUSR1));
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 1000), 1);
  struct signalfd_siginfo si;
  ASSERT_EQ(read(fd, &si, sizeof si), (ssize_t)sizeof si);
  close(ep);
  close(fd);
}

TEST(Signalfd, ChildReadsItsOwnSignals) {
  SigmaskRestorer r;
  sigset_t s = Set({SIGUSR1});
  ASSERT_OK(sigprocmask(SIG_BLOCK, &s, nullptr));
  int fd = signalfd(-1, &s, SFD_NONBLOCK);
  int st = syscalls_test::RunInChild([fd] {
    struct signalfd_siginfo si;
    CHILD_CHECK(read(fd, &si, sizeof si) == -1 && errno == EAGAIN);
    CHILD_CHECK(kill(getpid(), SIGUSR1) == 0);
    CHILD_CHECK(read(fd, &si, sizeof si) == (ssize_t)sizeof si);
    CHILD_CHECK(si.ssi_pid == (uint32_t)getpid());
    return 0;
  });
  EXPECT_TRUE(syscalls_test::ExitedOk(st));
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGUSR1));
  close(fd);
}

}  // namespace
