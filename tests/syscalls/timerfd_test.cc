// timerfd_create(2), timerfd_settime(2), timerfd_gettime(2).
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

#include <cstdint>

#include "test_util.h"

namespace {

int64_t NowNs(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct itimerspec Spec(int64_t value_ns, int64_t interval_ns) {
  struct itimerspec s = {};
  s.it_value.tv_sec = value_ns / 1000000000;
  s.it_value.tv_nsec = value_ns % 1000000000;
  s.it_interval.tv_sec = interval_ns / 1000000000;
  s.it_interval.tv_nsec = interval_ns % 1000000000;
  return s;
}

TEST(Timerfd, DisarmedReadEagain) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  ASSERT_OK(fd);
  uint64_t n;
  EXPECT_ERRNO(read(fd, &n, 8), EAGAIN);
  struct itimerspec cur;
  ASSERT_OK(timerfd_gettime(fd, &cur));
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_nsec, 0);
  close(fd);
}

TEST(Timerfd, OneShotBlockingRead) {
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  ASSERT_OK(fd);
  struct itimerspec s = Spec(50000000, 0);
  int64_t start = NowNs(CLOCK_MONOTONIC);
  ASSERT_OK(timerfd_settime(fd, 0, &s, nullptr));
  uint64_t n = 0;
  ASSERT_EQ(read(fd, &n, 8), 8);
  EXPECT_EQ(n, 1u);
  EXPECT_GE(NowNs(CLOCK_MONOTONIC) - start, 50000000);
  close(fd);
}

TEST(Timerfd, PeriodicCountsExpirations) {
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  ASSERT_OK(fd);
  struct itimerspec s = Spec(10000000, 10000000);
  ASSERT_OK(timerfd_settime(fd, 0, &s, nullptr));
  usleep(100000);
  uint64_t n = 0;
  ASSERT_EQ(read(fd, &n, 8), 8);
  EXPECT_GE(n, 5u);
  EXPECT_LE(n, 11u);
  close(fd);
}

TEST(Timerfd, AbsoluteTimeInPast) {
  int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  ASSERT_OK(fd);
  struct itimerspec s = Spec(NowNs(CLOCK_REALTIME) - 1000000000, 0);
  ASSERT_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, nullptr));
  uint64_t n = 0;
  ASSERT_EQ(read(fd, &n, 8), 8);
  EXPECT_EQ(n, 1u);
  close(fd);
}

TEST(Timerfd, GettimeCountsDown) {
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  ASSERT_OK(fd);
  struct itimerspec s = Spec(10000000000LL, 2000000000), old;
  ASSERT_OK(timerfd_settime(fd, 0, &s, nullptr));
  struct itimerspec cur;
  ASSERT_OK(timerfd_gettime(fd, &cur));
  EXPECT_TRUE(cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && cur.it_value.tv_nsec == 0));
  EXPECT_EQ(cur.it_interval.tv_sec, 2);
  struct itimerspec zero = {};
  ASSERT_OK(timerfd_settime(fd, 0, &zero, &old));
  EXPECT_GE(old.it_value.tv_sec, 9);
  ASSERT_OK(timerfd_gettime(fd, &cur));
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_nsec, 0);
  close(fd);
}

TEST(Timerfd, PollAndEpollReadiness) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  ASSERT_OK(fd);
  struct pollfd p = {fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);
  struct itimerspec s = Spec(20000000, 0);
  ASSERT_OK(timerfd_settime(fd, 0, &s, nullptr));
  int ep = epoll_create1(0);
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 2000), 1);
  EXPECT_EQ(poll(&p, 1, 0), 1);
  uint64_t n;
  ASSERT_EQ(read(fd, &n, 8), 8);
  EXPECT_EQ(poll(&p, 1, 0), 0);
  close(ep);
  close(fd);
}

TEST(Timerfd, BadClockEinval) {
  EXPECT_ERRNO(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
  EXPECT_ERRNO(timerfd_create(12345, 0), EINVAL);
}

TEST(Timerfd, BadFlagsEinval) {
  EXPECT_ERRNO(timerfd_create(CLOCK_MONOTONIC, 0x1), EINVAL);
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec s = Spec(1000000, 0);
  EXPECT_ERRNO(timerfd_settime(fd, 0x100, &s, nullptr), EINVAL);
  close(fd);
}

TEST(Timerfd, BadTimespecEinval) {
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec s = {};
  s.it_value.tv_nsec = 1000000000;
  EXPECT_ERRNO(timerfd_settime(fd, 0, &s, nullptr), EINVAL);
  s.it_value.tv_nsec = -1;
  EXPECT_ERRNO(timerfd_settime(fd, 0, &s, nullptr), EINVAL);
  close(fd);
}

TEST(Timerfd, NotATimerfdEinval) {
  int p[2];
  ASSERT_OK(pipe(p));
  struct itimerspec s = {};
  EXPECT_ERRNO(timerfd_settime(p[0], 0, &s, nullptr), EINVAL);
  EXPECT_ERRNO(timerfd_gettime(p[0], &s), EINVAL);
  EXPECT_ERRNO(timerfd_gettime(-1, &s), EBADF);
  close(p[0]);
  close(p[1]);
}

TEST(Timerfd, ShortReadEinval) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  uint32_t small;
  EXPECT_ERRNO(read(fd, &small, 4), EINVAL);
  close(fd);
}

TEST(Timerfd, CloexecAndNonblockFlags) {
  int fd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK);
  ASSERT_OK(fd);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  close(fd);
}

TEST(Timerfd, RearmResetsCount) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct itimerspec s = Spec(1000000, 0);
  ASSERT_OK(timerfd_settime(fd, 0, &s, nullptr));
  usleep(20000);
  s = Spec(5000000000LL, 0);
  ASSERT_OK(timerfd_settime(fd, 0, &s, nullptr));
  uint64_t n;
  EXPECT_ERRNO(read(fd, &n, 8), EAGAIN);
  close(fd);
}

}  // namespace
