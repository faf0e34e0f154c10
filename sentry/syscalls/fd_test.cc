// fd-table and pipe syscalls called directly on a test Task over a fake
// address space: dup*, fcntl, pipe/pipe2 and read/write on pipes (errnos,
// O_NONBLOCK, blocking wake-ups, SIGPIPE, restart on a signal).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/testing/no_platform.h"
#include "sentry/kernel/pipe.h"
#include "sentry/mm/testing/fake_address_space.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

using kernel::testing::NoLoader;
using kernel::testing::NoPlatform;

class FdTest : public ::testing::Test {
 protected:
  FdTest()
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
  ~FdTest() override { task_.fds().Clear(); }

  int64_t Call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0) {
    SyscallArguments a;
    a.nr = nr;
    uint64_t v[6] = {a0, a1, a2, a3, 0, 0};
    std::memcpy(a.args, v, sizeof(v));
    return table_.Dispatch(task_, a).value;
  }

  // pipe2 into app memory; the two fds.
  std::pair<int, int> MakePipe(int flags = 0) {
    EXPECT_EQ(Call(SYS_pipe2, buf_, flags), 0);
    int32_t p[2] = {-1, -1};
    EXPECT_TRUE(mm_->CopyIn(buf_, p, sizeof(p)).ok());
    return {p[0], p[1]};
  }

  void SetNofile(rlim_t cur) {
    absl::MutexLock l(&kernel_.mu());
    task_.tg().limits[RLIMIT_NOFILE].rlim_cur = cur;
  }

  bool SigpipePending() {
    absl::MutexLock l(&kernel_.mu());
    return (task_.pending().set() & kernel::SigBit(SIGPIPE)) != 0;
  }

  NoPlatform platform_;
  NoLoader loader_;
  mm::testing::FakeMm fake_;
  std::shared_ptr<mm::MemoryManager> mm_;
  SyscallTable table_;
  kernel::Kernel kernel_;
  std::shared_ptr<kernel::Task> task_ptr_;
  kernel::Task& task_;
  uint64_t buf_ = 0;  // 64 KiB of app memory, read-write
};

TEST_F(FdTest, PipeAndPipe2) {
  EXPECT_EQ(Call(SYS_pipe, buf_), 0);
  int32_t p[2];
  ASSERT_TRUE(mm_->CopyIn(buf_, p, sizeof(p)).ok());
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[1], 1);
  EXPECT_EQ(Call(SYS_fcntl, p[0], F_GETFL), O_RDONLY);
  EXPECT_EQ(Call(SYS_fcntl, p[1], F_GETFL), O_WRONLY);
  EXPECT_EQ(Call(SYS_fcntl, p[0], F_GETFD), 0);

  auto [r, w] = MakePipe(O_CLOEXEC | O_NONBLOCK);
  EXPECT_EQ(r, 2);
  EXPECT_EQ(w, 3);
  EXPECT_EQ(Call(SYS_fcntl, r, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(Call(SYS_fcntl, w, F_GETFL), O_WRONLY | O_NONBLOCK);

  EXPECT_EQ(Call(SYS_pipe2, buf_, 0x1234), -EINVAL);
  EXPECT_EQ(Call(SYS_pipe2, buf_, O_RDWR), -EINVAL);
  EXPECT_EQ(Call(SYS_pipe2, 0, 0), -EFAULT);
  EXPECT_EQ(Call(SYS_pipe, 0x10), -EFAULT);
  EXPECT_EQ(task_.fds().Fds().size(), 4u) << "no fd leaked by EFAULT";

  SetNofile(5);
  EXPECT_EQ(Call(SYS_pipe, buf_), -EMFILE) << "one slot free: not enough";
  EXPECT_EQ(task_.fds().Fds().size(), 4u);
}

TEST_F(FdTest, Dup) {
  auto [r, w] = MakePipe();
  EXPECT_EQ(Call(SYS_dup, r), 2);
  EXPECT_EQ(Call(SYS_close, 0), 0);
  EXPECT_EQ(Call(SYS_dup, w), 0) << "lowest free";
  EXPECT_EQ(Call(SYS_dup, 1000), -EBADF);
  EXPECT_EQ(Call(SYS_dup, -1), -EBADF);
  EXPECT_EQ(task_.fds().Get(0), task_.fds().Get(w)) << "same open file";

  SetNofile(4);
  EXPECT_EQ(Call(SYS_dup, r), 3);
  EXPECT_EQ(Call(SYS_dup, r), -EMFILE);
}

TEST_F(FdTest, Dup2AndDup3) {
  auto [r, w] = MakePipe();
  EXPECT_EQ(Call(SYS_dup2, r, r), r);
  EXPECT_EQ(Call(SYS_dup2, 100, 100), -EBADF);
  EXPECT_EQ(Call(SYS_dup2, r, 50), 50);
  EXPECT_EQ(Call(SYS_dup2, 1000, 60), -EBADF);
  EXPECT_EQ(Call(SYS_dup2, r, 1 << 30), -EBADF);
  EXPECT_EQ(Call(SYS_dup2, r, static_cast<uint64_t>(-1)), -EBADF);
  EXPECT_EQ(Call(SYS_dup3, r, r, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_dup3, r, 51, 0x1234), -EINVAL);
  EXPECT_EQ(Call(SYS_dup3, r, 51, O_CLOEXEC), 51);
  EXPECT_EQ(Call(SYS_fcntl, 51, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(Call(SYS_dup2, w, 51), 51) << "replaces, clears cloexec";
  EXPECT_EQ(Call(SYS_fcntl, 51, F_GETFD), 0);
  EXPECT_EQ(Call(SYS_fcntl, 51, F_GETFL), O_WRONLY);
  SetNofile(40);
  EXPECT_EQ(Call(SYS_dup2, r, 45), -EBADF) << "newfd at or above RLIMIT_NOFILE";
  EXPECT_EQ(Call(SYS_dup3, r, 45, 0), -EBADF);
}

TEST_F(FdTest, FcntlDupfdAndFd) {
  auto [r, w] = MakePipe();
  EXPECT_EQ(Call(SYS_fcntl, r, F_DUPFD, 70), 70);
  EXPECT_EQ(Call(SYS_fcntl, r, F_DUPFD, 70), 71);
  EXPECT_EQ(Call(SYS_fcntl, r, F_DUPFD_CLOEXEC, 70), 72);
  EXPECT_EQ(Call(SYS_fcntl, 72, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(Call(SYS_fcntl, r, F_DUPFD, static_cast<uint64_t>(-1)), -EINVAL);
  EXPECT_EQ(Call(SYS_fcntl, r, F_DUPFD, 1024), -EINVAL) << "at RLIMIT_NOFILE";
  EXPECT_EQ(Call(SYS_fcntl, 70, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(Call(SYS_fcntl, 70, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(Call(SYS_fcntl, 71, F_GETFD), 0);
  EXPECT_EQ(Call(SYS_fcntl, 1000, F_GETFD), -EBADF);
  EXPECT_EQ(Call(SYS_fcntl, r, 12345), -EINVAL);
  SetNofile(73);
  EXPECT_EQ(Call(SYS_fcntl, r, F_DUPFD, 70), -EMFILE);
  EXPECT_EQ(Call(SYS_close, 72), 0);
  EXPECT_EQ(Call(SYS_close, 72), -EBADF);
  EXPECT_EQ(Call(SYS_close, static_cast<uint64_t>(-1)), -EBADF);
  (void)w;
}

TEST_F(FdTest, FcntlFlags) {
  auto [r, w] = MakePipe();
  EXPECT_EQ(Call(SYS_fcntl, r, F_SETFL, O_NONBLOCK | O_RDWR | O_TRUNC), 0);
  EXPECT_EQ(Call(SYS_fcntl, r, F_GETFL), O_RDONLY | O_NONBLOCK);
  int d = static_cast<int>(Call(SYS_dup, r));
  EXPECT_EQ(Call(SYS_fcntl, d, F_GETFL), O_RDONLY | O_NONBLOCK) << "shared by dup";
  EXPECT_EQ(Call(SYS_read, r, buf_, 1), -EAGAIN);
  EXPECT_EQ(Call(SYS_fcntl, r, F_SETFL, O_APPEND), 0);
  EXPECT_EQ(Call(SYS_fcntl, d, F_GETFL), O_RDONLY | O_APPEND);
  EXPECT_EQ(Call(SYS_fcntl, 99, F_SETFL, 0), -EBADF);
  (void)w;
}

TEST_F(FdTest, PipeSize) {
  auto [r, w] = MakePipe(O_NONBLOCK);
  EXPECT_EQ(Call(SYS_fcntl, r, F_GETPIPE_SZ), 65536);
  EXPECT_EQ(Call(SYS_fcntl, w, F_SETPIPE_SZ, 5000), 8192);
  EXPECT_EQ(Call(SYS_fcntl, r, F_GETPIPE_SZ), 8192);
  EXPECT_EQ(Call(SYS_fcntl, w, F_SETPIPE_SZ, 2 << 20), -EPERM);
  std::string fill(8192, 'f');
  ASSERT_TRUE(mm_->CopyOut(buf_, fill.data(), fill.size()).ok());
  EXPECT_EQ(Call(SYS_write, w, buf_, 10000), 8192);
  EXPECT_EQ(Call(SYS_write, w, buf_, 1), -EAGAIN);
  EXPECT_EQ(Call(SYS_fcntl, w, F_SETPIPE_SZ, 4096), -EBUSY);
  task_.fds().Set(9, std::make_shared<kernel::HostFile>(0));
  EXPECT_EQ(Call(SYS_fcntl, 9, F_GETPIPE_SZ), -EBADF);
}

TEST_F(FdTest, ReadWriteOnPipes) {
  auto [r, w] = MakePipe();
  ASSERT_TRUE(mm_->CopyOut(buf_, "xyz", 3).ok());
  EXPECT_EQ(Call(SYS_write, w, buf_, 3), 3);
  EXPECT_EQ(Call(SYS_read, r, buf_ + 100, 100), 3);
  char got[3];
  ASSERT_TRUE(mm_->CopyIn(buf_ + 100, got, 3).ok());
  EXPECT_EQ(std::string(got, 3), "xyz");
  EXPECT_EQ(Call(SYS_write, w, buf_, 0), 0);
  EXPECT_EQ(Call(SYS_read, w, buf_, 1), -EBADF);
  EXPECT_EQ(Call(SYS_write, r, buf_, 1), -EBADF);
  EXPECT_EQ(Call(SYS_read, w, buf_, 0), -EBADF);
  EXPECT_EQ(Call(SYS_lseek, r, 0, SEEK_CUR), -ESPIPE);

  // writev/readv through iovecs.
  struct {
    uint64_t base, len;
  } iov[2] = {{buf_, 2}, {buf_ + 1, 2}};
  ASSERT_TRUE(mm_->CopyOut(buf_ + 200, iov, sizeof(iov)).ok());
  EXPECT_EQ(Call(SYS_writev, w, buf_ + 200, 2), 4);
  iov[0] = {buf_ + 300, 1};
  iov[1] = {buf_ + 400, 10};
  ASSERT_TRUE(mm_->CopyOut(buf_ + 200, iov, sizeof(iov)).ok());
  EXPECT_EQ(Call(SYS_readv, r, buf_ + 200, 2), 4);

  // EPIPE and SIGPIPE once the reader is gone.
  EXPECT_FALSE(SigpipePending());
  EXPECT_EQ(Call(SYS_close, r), 0);
  EXPECT_EQ(Call(SYS_write, w, buf_, 1), -EPIPE);
  EXPECT_TRUE(SigpipePending());
}

TEST_F(FdTest, EofAfterWritersClose) {
  auto [r, w] = MakePipe();
  int w2 = static_cast<int>(Call(SYS_dup, w));
  EXPECT_EQ(Call(SYS_close, w), 0);
  ASSERT_TRUE(mm_->CopyOut(buf_, "a", 1).ok());
  EXPECT_EQ(Call(SYS_write, w2, buf_, 1), 1);
  EXPECT_EQ(Call(SYS_close, w2), 0);
  EXPECT_EQ(Call(SYS_read, r, buf_, 10), 1);
  EXPECT_EQ(Call(SYS_read, r, buf_, 10), 0);
}

TEST_F(FdTest, BlockingReadWokenByWriterThread) {
  auto [r, w] = MakePipe();
  std::atomic<int64_t> res{-1};
  std::thread reader([&, r = r] { res = Call(SYS_read, r, buf_ + 100, 10); });
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(res.load(), -1) << "still blocked";
  // The writer side needs no blocking: it may run on this thread.
  auto wf = task_.fds().Get(w);
  ASSERT_EQ(*wf->Write("hi", 2), 2u);
  reader.join();
  EXPECT_EQ(res.load(), 2);
}

TEST_F(FdTest, BlockingReadWokenByLastWriterClose) {
  auto [r, w] = MakePipe();
  std::atomic<int64_t> res{-1};
  std::thread reader([&, r = r] { res = Call(SYS_read, r, buf_, 10); });
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(task_.fds().Close(w).ok(), true);
  reader.join();
  EXPECT_EQ(res.load(), 0);
}

TEST_F(FdTest, BlockingWriteCompletesAsReaderDrains) {
  auto [r, w] = MakePipe();
  constexpr int kLen = 60000;
  std::string data(kLen, 'd');
  ASSERT_TRUE(mm_->CopyOut(buf_, data.data(), kLen).ok());
  ASSERT_EQ(Call(SYS_write, w, buf_, kLen), kLen);
  // Only 5536 bytes of room: a second big write blocks until drained.
  std::atomic<int64_t> res{-1};
  std::thread writer([&, w = w] { res = Call(SYS_write, w, buf_, kLen); });
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(res.load(), -1);
  auto rf = task_.fds().Get(r);
  std::string sink(kLen, '\0');
  size_t total = 0;
  while (total < 2u * kLen) {
    auto n = rf->Read(sink.data(), sink.size());
    if (n.ok()) {
      total += *n;
    } else {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  writer.join();
  EXPECT_EQ(res.load(), kLen);
}

TEST_F(FdTest, BlockedReadInterruptedIsRestartable) {
  auto [r, w] = MakePipe();
  std::atomic<int64_t> res{-1};
  std::thread reader([&, r = r] { res = Call(SYS_read, r, buf_, 10); });
  absl::SleepFor(absl::Milliseconds(30));
  task_.Interrupt();
  reader.join();
  EXPECT_EQ(res.load(), -kernel::kERestartSys);
  (void)w;
}

}  // namespace
}  // namespace sentry::syscalls
