// eventfd(2) / eventfd2(2): counter semantics, semaphore mode, flags,
// blocking and readiness.
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <cstdint>
#include <thread>

#include "test_util.h"

namespace {

TEST(Eventfd, InitialValueRead) {
  int fd = eventfd(5, 0);
  ASSERT_OK(fd);
  uint64_t v = 0;
  ASSERT_EQ(read(fd, &v, sizeof v), 8);
  EXPECT_EQ(v, 5u);
  close(fd);
}

TEST(Eventfd, WritesAddUp) {
  int fd = eventfd(0, 0);
  ASSERT_OK(fd);
  uint64_t one = 1, seven = 7, v = 0;
  ASSERT_EQ(write(fd, &one, 8), 8);
  ASSERT_EQ(write(fd, &seven, 8), 8);
  ASSERT_EQ(read(fd, &v, 8), 8);
  EXPECT_EQ(v, 8u);
  close(fd);
}

TEST(Eventfd, ReadOfZeroNonblockEagain) {
  int fd = eventfd(0, EFD_NONBLOCK);
  ASSERT_OK(fd);
  uint64_t v;
  EXPECT_ERRNO(read(fd, &v, 8), EAGAIN);
  close(fd);
}

TEST(Eventfd, SemaphoreReadsOne) {
  int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
  ASSERT_OK(fd);
  uint64_t v = 0;
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(read(fd, &v, 8), 8);
    EXPECT_EQ(v, 1u);
  }
  EXPECT_ERRNO(read(fd, &v, 8), EAGAIN);
  close(fd);
}

TEST(Eventfd, ShortBufferEinval) {
  int fd = eventfd(1, 0);
  ASSERT_OK(fd);
  uint32_t small;
  EXPECT_ERRNO(read(fd, &small, 4), EINVAL);
  EXPECT_ERRNO(write(fd, &small, 4), EINVAL);
  close(fd);
}

TEST(Eventfd, WriteMaxValueEinval) {
  int fd = eventfd(0, 0);
  ASSERT_OK(fd);
  uint64_t bad = UINT64_MAX;
  EXPECT_ERRNO(write(fd, &bad, 8), EINVAL);
  close(fd);
}

TEST(Eventfd, OverflowNonblockEagain) {
  int fd = eventfd(0, EFD_NONBLOCK);
  ASSERT_OK(fd);
  uint64_t big = UINT64_MAX - 1, one = 1;
  ASSERT_EQ(write(fd, &big, 8), 8);
  EXPECT_ERRNO(write(fd, &one, 8), EAGAIN);
  close(fd);
}

TEST(Eventfd, BadFlagsEinval) {
  EXPECT_ERRNO(eventfd(0, 0x4000000), EINVAL);
}

TEST(Eventfd, CloexecFlag) {
  int fd = eventfd(0, EFD_CLOEXEC);
  ASSERT_OK(fd);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  close(fd);
  fd = eventfd(0, EFD_NONBLOCK);
  EXPECT_EQ(fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE), O_NONBLOCK | O_RDWR);
  close(fd);
}

TEST(Eventfd, OldEventfdSyscall) {
  int fd = syscall(SYS_eventfd, 2);
  ASSERT_OK(fd);
  uint64_t v = 0;
  ASSERT_EQ(read(fd, &v, 8), 8);
  EXPECT_EQ(v, 2u);
  close(fd);
}

// Linux's eventfd uses noop_llseek: lseek succeeds and the position stays 0.
TEST(Eventfd, LseekIsNoop) {
  int fd = eventfd(0, 0);
  ASSERT_OK(fd);
  EXPECT_EQ(lseek(fd, 100, SEEK_SET), 0);
  close(fd);
}

TEST(Eventfd, PollReadiness) {
  int fd = eventfd(0, EFD_NONBLOCK);
  ASSERT_OK(fd);
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  ASSERT_EQ(poll(&p, 1, 0), 1);
  EXPECT_EQ(p.revents, POLLOUT);
  uint64_t one = 1;
  ASSERT_EQ(write(fd, &one, 8), 8);
  ASSERT_EQ(poll(&p, 1, 0), 1);
  EXPECT_EQ(p.revents, POLLIN | POLLOUT);
  close(fd);
}

TEST(Eventfd, BlockingReadWokenByWrite) {
  int fd = eventfd(0, 0);
  ASSERT_OK(fd);
  std::thread w([fd] {
    usleep(50000);
    uint64_t v = 42;
    (void)!write(fd, &v, 8);
  });
  uint64_t v = 0;
  EXPECT_EQ(read(fd, &v, 8), 8);
  EXPECT_EQ(v, 42u);
  w.join();
  close(fd);
}

TEST(Eventfd, EpollEdgeTriggered) {
  int fd = eventfd(0, EFD_NONBLOCK);
  int ep = epoll_create1(0);
  ASSERT_OK(fd);
  ASSERT_OK(ep);
  struct epoll_event ev = {};
  ev.events = EPOLLIN | EPOLLET;
  ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
  uint64_t one = 1;
  ASSERT_EQ(write(fd, &one, 8), 8);
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 1000), 1);
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
  close(ep);
  close(fd);
}

TEST(Eventfd, SharedAcrossFork) {
  int fd = eventfd(0, 0);
  ASSERT_OK(fd);
  int st = syscalls_test::RunInChild([fd] {
    uint64_t v = 9;
    return write(fd, &v, 8) == 8 ? 0 : 1;
  });
  EXPECT_TRUE(syscalls_test::ExitedOk(st));
  uint64_t v = 0;
  ASSERT_EQ(read(fd, &v, 8), 8);
  EXPECT_EQ(v, 9u);
  close(fd);
}

}  // namespace
