// poll/ppoll/select/pselect6 and epoll called directly on a test Task over a
// fake address space: readiness over pipes, wake-ups from another thread,
// timeouts and time write-back, edge-triggered and one-shot epoll, nested
// epolls, lifetimes, errnos, and interruption by a signal.
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "sentry/kernel/epoll.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/testing/no_platform.h"
#include "sentry/kernel/pipe.h"
#include "sentry/mm/testing/fake_address_space.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

using kernel::testing::NoLoader;
using kernel::testing::NoPlatform;

struct __attribute__((packed)) Ev {
  uint32_t events;
  uint64_t data;
};

class PollTest : public ::testing::Test {
 protected:
  PollTest()
      : mm_(std::move(fake_.mm)),
        kernel_(platform_, *fake_.file, table_, loader_, kernel::UtsInfo{}),
        task_ptr_(kernel_.CreateTaskForTesting(mm_, kernel::Credentials::ForUser(1000, 1000))),
        task_(*task_ptr_) {
    mm::MmapRequest req;
    req.length = 1 << 16;
    req.prot = PROT_READ | PROT_WRITE;
    auto r = mm_->Mmap(req);
    buf_ = r.ok() ? *r : 0;
  }
  ~PollTest() override { task_.fds().Clear(); }

  int64_t Call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    SyscallArguments a;
    a.nr = nr;
    uint64_t v[6] = {a0, a1, a2, a3, a4, a5};
    std::memcpy(a.args, v, sizeof(v));
    return table_.Dispatch(task_, a).value;
  }

  std::pair<int, int> MakePipe(int flags = 0) {
    EXPECT_EQ(Call(SYS_pipe2, buf_ + 0x8000, flags), 0);
    int32_t p[2] = {-1, -1};
    EXPECT_TRUE(mm_->CopyIn(buf_ + 0x8000, p, sizeof(p)).ok());
    return {p[0], p[1]};
  }
  void Write(int fd, const std::string& s) {
    ASSERT_TRUE(mm_->CopyOut(buf_ + 0x9000, s.data(), s.size()).ok());
    ASSERT_EQ(Call(SYS_write, fd, buf_ + 0x9000, s.size()), static_cast<int64_t>(s.size()));
  }
  int64_t Read(int fd, size_t n) { return Call(SYS_read, fd, buf_ + 0x9000, n); }

  template <class T>
  void Put(uint64_t addr, const T& v) {
    ASSERT_TRUE(mm_->CopyOut(addr, &v, sizeof(v)).ok());
  }
  template <class T>
  T Get(uint64_t addr) {
    T v{};
    EXPECT_TRUE(mm_->CopyIn(addr, &v, sizeof(v)).ok());
    return v;
  }

  // poll on `n` pollfds stored at buf_.
  int64_t PollFds(std::vector<pollfd>& fds, int timeout) {
    if (!fds.empty()) {
      EXPECT_TRUE(mm_->CopyOut(buf_, fds.data(), fds.size() * sizeof(pollfd)).ok());
    }
    int64_t r = Call(SYS_poll, buf_, fds.size(), static_cast<uint64_t>(timeout));
    if (!fds.empty()) {
      EXPECT_TRUE(mm_->CopyIn(buf_, fds.data(), fds.size() * sizeof(pollfd)).ok());
    }
    return r;
  }

  int64_t EpollCtl(int ep, int op, int fd, uint32_t events, uint64_t data) {
    Put(buf_ + 0x100, Ev{events, data});
    return Call(SYS_epoll_ctl, ep, op, fd, buf_ + 0x100);
  }
  // epoll_wait into buf_+0x200; the events.
  std::vector<Ev> EpollWait(int ep, int max, int timeout, int64_t* ret = nullptr) {
    int64_t r = Call(SYS_epoll_wait, ep, buf_ + 0x200, max, static_cast<uint64_t>(timeout));
    if (ret != nullptr) *ret = r;
    std::vector<Ev> out(r > 0 ? r : 0);
    if (r > 0) {
      EXPECT_TRUE(mm_->CopyIn(buf_ + 0x200, out.data(), r * sizeof(Ev)).ok());
    }
    return out;
  }

  void SendSignal(int sig) {
    siginfo_t info = kernel::MakeSigInfo(sig, SI_USER, 1, 0);
    absl::MutexLock l(&kernel_.mu());
    kernel_.SendTaskSignalLocked(task_, info);
  }

  NoPlatform platform_;
  NoLoader loader_;
  mm::testing::FakeMm fake_;
  std::shared_ptr<mm::MemoryManager> mm_;
  SyscallTable table_;
  kernel::Kernel kernel_;
  std::shared_ptr<kernel::Task> task_ptr_;
  kernel::Task& task_;
  uint64_t buf_ = 0;
};

TEST_F(PollTest, PollPipeReadiness) {
  auto [r, w] = MakePipe();
  std::vector<pollfd> fds = {{r, POLLIN, 0}, {w, POLLOUT, 0}, {-1, POLLIN, 7}, {99, POLLIN, 0}};
  EXPECT_EQ(PollFds(fds, 0), 2);
  EXPECT_EQ(fds[0].revents, 0);
  EXPECT_EQ(fds[1].revents, POLLOUT);
  EXPECT_EQ(fds[2].revents, 0) << "negative fd ignored";
  EXPECT_EQ(fds[3].revents, POLLNVAL);
  Write(w, "x");
  fds = {{r, POLLIN | POLLRDNORM, 0}};
  EXPECT_EQ(PollFds(fds, 0), 1);
  EXPECT_EQ(fds[0].revents, POLLIN | POLLRDNORM);
  ASSERT_EQ(Call(SYS_close, w), 0);
  fds = {{r, POLLIN, 0}};
  EXPECT_EQ(PollFds(fds, 0), 1);
  EXPECT_EQ(fds[0].revents, POLLIN | POLLHUP);
  EXPECT_EQ(Read(r, 10), 1);
  fds = {{r, 0, 0}};
  EXPECT_EQ(PollFds(fds, 0), 1);
  EXPECT_EQ(fds[0].revents, POLLHUP) << "HUP even when not asked";
}

TEST_F(PollTest, PollWriteEndErrWhenNoReader) {
  auto [r, w] = MakePipe();
  ASSERT_EQ(Call(SYS_close, r), 0);
  std::vector<pollfd> fds = {{w, POLLOUT, 0}};
  EXPECT_EQ(PollFds(fds, 0), 1);
  EXPECT_EQ(fds[0].revents, POLLOUT | POLLERR);
}

TEST_F(PollTest, PollErrnos) {
  {
    absl::MutexLock l(&kernel_.mu());
    task_.tg().limits[RLIMIT_NOFILE].rlim_cur = 16;
  }
  EXPECT_EQ(Call(SYS_poll, buf_, 17, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_poll, 0x10, 1, 0), -EFAULT);
  EXPECT_EQ(Call(SYS_poll, 0, 0, 0), 0) << "NULL with nfds 0";
  absl::Time start = absl::Now();
  EXPECT_EQ(Call(SYS_poll, 0, 0, 50), 0) << "a sleep";
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
}

TEST_F(PollTest, PollWokenByWriterThread) {
  auto [r, w] = MakePipe();
  auto wf = task_.fds().Get(w);
  std::thread writer([wf] {
    absl::SleepFor(absl::Milliseconds(50));
    char c = 'x';
    ASSERT_TRUE(wf->Write(&c, 1).ok());
  });
  std::vector<pollfd> fds = {{r, POLLIN, 0}};
  absl::Time start = absl::Now();
  EXPECT_EQ(PollFds(fds, -1), 1);
  EXPECT_EQ(fds[0].revents, POLLIN);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));
  writer.join();
}

TEST_F(PollTest, PollTimeout) {
  auto [r, w] = MakePipe();
  std::vector<pollfd> fds = {{r, POLLIN, 0}};
  absl::Time start = absl::Now();
  EXPECT_EQ(PollFds(fds, 60), 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(55));
  EXPECT_EQ(fds[0].revents, 0);
}

TEST_F(PollTest, PollInterruptedRestartsWithRestartBlock) {
  auto [r, w] = MakePipe();
  std::thread sig([this] {
    absl::SleepFor(absl::Milliseconds(30));
    SendSignal(SIGUSR1);
  });
  std::vector<pollfd> fds = {{r, POLLIN, 0}};
  EXPECT_EQ(PollFds(fds, 5000), -kernel::kERestartRestartBlock);
  EXPECT_TRUE(task_.restart_block != nullptr);
  sig.join();
}

TEST_F(PollTest, PpollTimespecSigmaskAndWriteBack) {
  auto [r, w] = MakePipe();
  pollfd p = {r, POLLIN, 0};
  Put(buf_, p);
  Put(buf_ + 0x40, timespec{0, -1});
  EXPECT_EQ(Call(SYS_ppoll, buf_, 1, buf_ + 0x40, 0, 0), -EINVAL);
  Put(buf_ + 0x40, timespec{-1, 0});
  EXPECT_EQ(Call(SYS_ppoll, buf_, 1, buf_ + 0x40, 0, 0), -EINVAL);
  Put(buf_ + 0x40, timespec{0, 50'000'000});
  kernel::SigSet mask = kernel::SigBit(SIGUSR2);
  Put(buf_ + 0x60, mask);
  EXPECT_EQ(Call(SYS_ppoll, buf_, 1, buf_ + 0x40, buf_ + 0x60, 4), -EINVAL) << "sigsetsize";
  EXPECT_EQ(Call(SYS_ppoll, buf_, 1, buf_ + 0x40, buf_ + 0x60, 8), 0);
  timespec left = Get<timespec>(buf_ + 0x40);
  EXPECT_EQ(left.tv_sec, 0);
  EXPECT_EQ(left.tv_nsec, 0) << "all the time was used";
  EXPECT_EQ(task_.signal_mask(), 0u) << "mask restored after a normal return";
  Write(w, "x");
  Put(buf_ + 0x40, timespec{10, 0});
  EXPECT_EQ(Call(SYS_ppoll, buf_, 1, buf_ + 0x40, 0, 0), 1);
  left = Get<timespec>(buf_ + 0x40);
  EXPECT_GE(left.tv_sec, 9) << "remaining time written back";
}

TEST_F(PollTest, PpollInterruptedKeepsMaskUntilHandler) {
  auto [r, w] = MakePipe();
  Put(buf_, pollfd{r, POLLIN, 0});
  kernel::SigSet mask = kernel::SigBit(SIGUSR2);
  Put(buf_ + 0x60, mask);
  std::thread sig([this] {
    absl::SleepFor(absl::Milliseconds(30));
    SendSignal(SIGUSR1);
  });
  EXPECT_EQ(Call(SYS_ppoll, buf_, 1, 0, buf_ + 0x60, 8), -kernel::kERestartNoHand);
  EXPECT_EQ(task_.signal_mask(), mask) << "temporary mask kept for the handler";
  sig.join();
}

TEST_F(PollTest, SelectBasics) {
  auto [r, w] = MakePipe();
  uint64_t rset = (1ull << r) | (1ull << w), wset = (1ull << r) | (1ull << w);
  Put(buf_, rset);
  Put(buf_ + 8, wset);
  Put(buf_ + 0x40, timeval{0, 0});
  EXPECT_EQ(Call(SYS_select, w + 1, buf_, buf_ + 8, 0, buf_ + 0x40), 1);
  EXPECT_EQ(Get<uint64_t>(buf_), 0u);
  EXPECT_EQ(Get<uint64_t>(buf_ + 8), 1ull << w);
  Write(w, "x");
  Put(buf_, rset);
  Put(buf_ + 8, wset);
  EXPECT_EQ(Call(SYS_select, w + 1, buf_, buf_ + 8, 0, 0), 2);
  EXPECT_EQ(Get<uint64_t>(buf_), 1ull << r);

  // Errnos.
  EXPECT_EQ(Call(SYS_select, static_cast<uint64_t>(-1), 0, 0, 0, 0), -EINVAL);
  Put(buf_, uint64_t{1} << 20);
  EXPECT_EQ(Call(SYS_select, 21, buf_, 0, 0, 0), -EBADF);
  Put(buf_ + 0x40, timeval{0, -1});
  EXPECT_EQ(Call(SYS_select, 0, 0, 0, 0, buf_ + 0x40), -EINVAL);
  Put(buf_ + 0x40, timeval{-1, 0});
  EXPECT_EQ(Call(SYS_select, 0, 0, 0, 0, buf_ + 0x40), -EINVAL);
  Put(buf_ + 0x40, rset);
  EXPECT_EQ(Call(SYS_select, w + 1, 0x10, 0, 0, 0), -EFAULT);

  // Timeout with time written back.
  Read(r, 1);
  Put(buf_, uint64_t{1} << r);
  Put(buf_ + 0x40, timeval{0, 40000});
  absl::Time start = absl::Now();
  EXPECT_EQ(Call(SYS_select, r + 1, buf_, 0, 0, buf_ + 0x40), 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(35));
  timeval tv = Get<timeval>(buf_ + 0x40);
  EXPECT_EQ(tv.tv_sec, 0);
  EXPECT_EQ(tv.tv_usec, 0);
  EXPECT_EQ(Get<uint64_t>(buf_), 0u);
}

TEST_F(PollTest, Pselect6SigmaskArgument) {
  auto [r, w] = MakePipe();
  Write(w, "x");
  Put(buf_, uint64_t{1} << r);
  kernel::SigSet mask = kernel::SigBit(SIGUSR2);
  Put(buf_ + 0x60, mask);
  struct {
    uint64_t ss, len;
  } sd = {buf_ + 0x60, 4};
  Put(buf_ + 0x80, sd);
  EXPECT_EQ(Call(SYS_pselect6, r + 1, buf_, 0, 0, 0, buf_ + 0x80), -EINVAL);
  sd.len = 8;
  Put(buf_ + 0x80, sd);
  EXPECT_EQ(Call(SYS_pselect6, r + 1, buf_, 0, 0, 0, buf_ + 0x80), 1);
  EXPECT_EQ(task_.signal_mask(), 0u);
  Put(buf_ + 0x40, timespec{0, 1'000'000'000});
  EXPECT_EQ(Call(SYS_pselect6, r + 1, buf_, 0, 0, buf_ + 0x40, 0), -EINVAL);
}

TEST_F(PollTest, EpollLevelTriggered) {
  int ep = static_cast<int>(Call(SYS_epoll_create1, 0));
  ASSERT_GE(ep, 0);
  auto [r, w] = MakePipe();
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 42), 0);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 42), -EEXIST);
  EXPECT_TRUE(EpollWait(ep, 8, 0).empty());
  Write(w, "ab");
  for (int i = 0; i < 2; i++) {
    auto ev = EpollWait(ep, 8, 0);
    ASSERT_EQ(ev.size(), 1u) << "level-triggered: reported again";
    EXPECT_EQ(ev[0].events, uint32_t{EPOLLIN});
    EXPECT_EQ(ev[0].data, 42u);
  }
  EXPECT_EQ(Read(r, 2), 2);
  EXPECT_TRUE(EpollWait(ep, 8, 0).empty());
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_MOD, r, EPOLLIN | EPOLLOUT, 7), 0);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_DEL, r, 0, 0), 0);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_DEL, r, 0, 0), -ENOENT);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_MOD, r, EPOLLIN, 0), -ENOENT);
}

TEST_F(PollTest, EpollEdgeTriggeredAndOneshot) {
  int ep = static_cast<int>(Call(SYS_epoll_create1, EPOLL_CLOEXEC));
  ASSERT_GE(ep, 0);
  EXPECT_EQ(Call(SYS_fcntl, ep, F_GETFD), FD_CLOEXEC);
  auto [r, w] = MakePipe();
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET, 1), 0);
  Write(w, "a");
  EXPECT_EQ(EpollWait(ep, 8, 0).size(), 1u);
  EXPECT_TRUE(EpollWait(ep, 8, 0).empty()) << "edge-triggered: once per edge";
  Write(w, "b");
  EXPECT_EQ(EpollWait(ep, 8, 0).size(), 1u) << "a new write is a new edge";

  auto [r2, w2] = MakePipe();
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r2, EPOLLIN | EPOLLONESHOT, 2), 0);
  Write(w2, "a");
  auto ev = EpollWait(ep, 8, 0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, 2u);
  Write(w2, "b");
  EXPECT_TRUE(EpollWait(ep, 8, 0).empty()) << "one-shot: disabled";
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_MOD, r2, EPOLLIN | EPOLLONESHOT, 3), 0);
  ev = EpollWait(ep, 8, 0);
  ASSERT_EQ(ev.size(), 1u) << "re-armed by MOD";
  EXPECT_EQ(ev[0].data, 3u);
}

TEST_F(PollTest, EpollMaxeventsAndRoundRobin) {
  int ep = static_cast<int>(Call(SYS_epoll_create, 1));
  auto [r1, w1] = MakePipe();
  auto [r2, w2] = MakePipe();
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, w1, EPOLLOUT, 1), 0);
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, w2, EPOLLOUT, 2), 0);
  auto a = EpollWait(ep, 1, 0);
  auto b = EpollWait(ep, 1, 0);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0].data, b[0].data) << "both get their turn";
  EXPECT_EQ(EpollWait(ep, 8, 0).size(), 2u);
}

TEST_F(PollTest, EpollErrnos) {
  auto [r, w] = MakePipe();
  EXPECT_EQ(Call(SYS_epoll_create, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_epoll_create1, 1), -EINVAL);
  int ep = static_cast<int>(Call(SYS_epoll_create1, 0));
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -EINVAL) << "itself";
  EXPECT_EQ(EpollCtl(r, EPOLL_CTL_ADD, w, EPOLLIN, 0), -EINVAL) << "not an epoll";
  EXPECT_EQ(EpollCtl(99, EPOLL_CTL_ADD, w, EPOLLIN, 0), -EBADF);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, 99, EPOLLIN, 0), -EBADF);
  EXPECT_EQ(EpollCtl(ep, 42, r, EPOLLIN, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, r, 0x10), -EFAULT);
  EXPECT_EQ(Call(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, r, 0), -ENOENT) << "DEL needs no event";
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), -EINVAL);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLEXCLUSIVE, 0), 0);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_MOD, r, EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL);
  EXPECT_EQ(EpollCtl(ep, EPOLL_CTL_MOD, r, EPOLLIN, 0), -EINVAL) << "exclusive items: no MOD";
  int64_t ret;
  EpollWait(ep, 0, 0, &ret);
  EXPECT_EQ(ret, -EINVAL);
  EpollWait(ep, INT_MAX / 12 + 1, 0, &ret);
  EXPECT_EQ(ret, -EINVAL);
  EpollWait(r, 1, 0, &ret);
  EXPECT_EQ(ret, -EINVAL);
  EpollWait(99, 1, 0, &ret);
  EXPECT_EQ(ret, -EBADF);
  EXPECT_EQ(Call(SYS_epoll_wait, ep, 0xffffffffffff0000ull, 1, 0), -EFAULT);
}

TEST_F(PollTest, EpollNestingAndLoops) {
  int a = static_cast<int>(Call(SYS_epoll_create1, 0));
  int b = static_cast<int>(Call(SYS_epoll_create1, 0));
  auto [r, w] = MakePipe();
  ASSERT_EQ(EpollCtl(b, EPOLL_CTL_ADD, r, EPOLLIN, 1), 0);
  ASSERT_EQ(EpollCtl(a, EPOLL_CTL_ADD, b, EPOLLIN, 2), 0);
  EXPECT_EQ(EpollCtl(b, EPOLL_CTL_ADD, a, EPOLLIN, 3), -ELOOP);
  EXPECT_TRUE(EpollWait(a, 8, 0).empty());
  // poll on the outer epoll fd, woken by a writer thread.
  auto wf = task_.fds().Get(w);
  std::thread writer([wf] {
    absl::SleepFor(absl::Milliseconds(30));
    char c = 'x';
    ASSERT_TRUE(wf->Write(&c, 1).ok());
  });
  std::vector<pollfd> fds = {{a, POLLIN, 0}};
  EXPECT_EQ(PollFds(fds, 5000), 1);
  EXPECT_EQ(fds[0].revents, POLLIN);
  writer.join();
  auto ev = EpollWait(a, 8, 0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, 2u);
}

TEST_F(PollTest, EpollWaitBlocksUntilWrite) {
  int ep = static_cast<int>(Call(SYS_epoll_create1, 0));
  auto [r, w] = MakePipe();
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET, 9), 0);
  auto wf = task_.fds().Get(w);
  std::thread writer([wf] {
    absl::SleepFor(absl::Milliseconds(40));
    char c = 'x';
    ASSERT_TRUE(wf->Write(&c, 1).ok());
  });
  absl::Time start = absl::Now();
  auto ev = EpollWait(ep, 4, -1);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, 9u);
  writer.join();
  start = absl::Now();
  EXPECT_TRUE(EpollWait(ep, 4, 50).empty()) << "timeout";
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
}

TEST_F(PollTest, EpollWaitInterruptedIsEintr) {
  int ep = static_cast<int>(Call(SYS_epoll_create1, 0));
  std::thread sig([this] {
    absl::SleepFor(absl::Milliseconds(30));
    SendSignal(SIGUSR1);
  });
  int64_t ret;
  EpollWait(ep, 4, 5000, &ret);
  EXPECT_EQ(ret, -EINTR);
  sig.join();
}

TEST_F(PollTest, EpollPwait2Timespec) {
  int ep = static_cast<int>(Call(SYS_epoll_create1, 0));
  Put(buf_ + 0x40, timespec{0, -5});
  EXPECT_EQ(Call(SYS_epoll_pwait2, ep, buf_ + 0x200, 1, buf_ + 0x40, 0, 8), -EINVAL);
  Put(buf_ + 0x40, timespec{0, 20'000'000});
  EXPECT_EQ(Call(SYS_epoll_pwait2, ep, buf_ + 0x200, 1, buf_ + 0x40, 0, 8), 0);
  EXPECT_EQ(Call(SYS_epoll_pwait, ep, buf_ + 0x200, 1, 0, buf_ + 0x60, 7), -EINVAL);
}

TEST_F(PollTest, ClosedFileLeavesEpollWithLastReference) {
  int ep = static_cast<int>(Call(SYS_epoll_create1, 0));
  auto [r, w] = MakePipe();
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 1), 0);
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, w, EPOLLOUT, 2), 0);
  auto* epf = static_cast<kernel::EpollFile*>(task_.fds().Get(ep).get());
  int dup = static_cast<int>(Call(SYS_dup, r));
  ASSERT_EQ(Call(SYS_close, r), 0);
  EXPECT_EQ(EpollWait(ep, 8, 0).size(), 1u) << "w is writable; r still referenced by the dup";
  EXPECT_EQ(epf->size(), 2u);
  ASSERT_EQ(Call(SYS_close, w), 0);
  auto ev = EpollWait(ep, 8, 0);
  EXPECT_EQ(epf->size(), 1u) << "the write end went with its last fd";
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, 1u);
  EXPECT_EQ(ev[0].events, uint32_t{EPOLLHUP}) << "the reader sees the writer gone";
  ASSERT_EQ(Call(SYS_close, dup), 0);
  EXPECT_TRUE(EpollWait(ep, 8, 0).empty());
  EXPECT_EQ(epf->size(), 0u);
}

TEST_F(PollTest, EpollDestroyedWhileRegistered) {
  auto [r, w] = MakePipe();
  int ep = static_cast<int>(Call(SYS_epoll_create1, 0));
  ASSERT_EQ(EpollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 1), 0);
  ASSERT_EQ(Call(SYS_close, ep), 0);
  auto rf = std::dynamic_pointer_cast<kernel::PipeFile>(task_.fds().Get(r));
  ASSERT_TRUE(rf);
  EXPECT_TRUE(rf->pipe().queue().Empty()) << "entry unregistered";
  Write(w, "x");  // no callback into freed memory
}

}  // namespace
}  // namespace sentry::syscalls
