// Syscall handlers called directly on a Task over a fake address space (no
// app code runs): results, app memory effects, unimplemented counting.
#include "sentry/syscalls/table.h"

#include <asm/prctl.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "compat/support.h"
#include "gtest/gtest.h"
#include "sentry/kernel/file.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/testing/no_platform.h"
#include "sentry/mm/testing/fake_address_space.h"

namespace sentry::syscalls {
namespace {

using kernel::testing::NoLoader;
using kernel::testing::NoPlatform;

// A platform the tests never run app code on.
class TableTest : public ::testing::Test {
 protected:
  TableTest()
      : mm_(std::move(fake_.mm)),
        kernel_(platform_, *fake_.file, table_, loader_, kernel::UtsInfo{}),
        task_ptr_(kernel_.CreateTaskForTesting(mm_, Creds())),
        task_(*task_ptr_) {
    mm::MmapRequest req;
    req.length = 1 << 16;
    req.prot = PROT_READ | PROT_WRITE;
    auto r = mm_->Mmap(req);
    buf_ = r.ok() ? *r : 0;
  }

  int64_t Call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    SyscallArguments a;
    a.nr = nr;
    uint64_t v[6] = {a0, a1, a2, a3, a4, a5};
    std::memcpy(a.args, v, sizeof(v));
    return table_.Dispatch(task_, a).value;
  }

  static kernel::Credentials Creds() {
    kernel::Credentials c = kernel::Credentials::ForUser(7, 9);
    c.euid = 8;
    c.egid = 10;
    return c;
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

TEST_F(TableTest, Identity) {
  EXPECT_EQ(Call(SYS_getpid), 1);
  EXPECT_EQ(Call(SYS_gettid), 1);
  EXPECT_EQ(Call(SYS_getppid), 0);
  EXPECT_EQ(Call(SYS_getuid), 7);
  EXPECT_EQ(Call(SYS_geteuid), 8);
  EXPECT_EQ(Call(SYS_getgid), 9);
  EXPECT_EQ(Call(SYS_getegid), 10);
}

// docs/compatibility.md is generated from the compat registry: it must say
// Full or Partial exactly for the syscalls that have a handler.
TEST_F(TableTest, RegistryMatchesHandlers) {
  for (int nr = 0; nr < compat::kSyscallTableSize; ++nr) {
    const compat::SyscallInfo* info = compat::LookupSyscall(nr);
    if (info == nullptr) {
      EXPECT_FALSE(table_.Implemented(nr)) << nr;
      continue;
    }
    const compat::SupportLevel level = compat::SupportFor(*info).level;
    const bool documented =
        level == compat::SupportLevel::kFull || level == compat::SupportLevel::kPartial;
    EXPECT_EQ(table_.Implemented(nr), documented)
        << info->name << (documented ? " is documented as implemented but has no handler"
                                     : " has a handler but the registry says it is not implemented");
  }
}

TEST_F(TableTest, UnimplementedIsEnosysAndCounted) {
  const int nr = SYS_io_pgetevents;
  ASSERT_FALSE(table_.Implemented(nr));
  EXPECT_EQ(table_.UnimplementedCount(nr), 0u);
  EXPECT_EQ(Call(nr), -ENOSYS);
  EXPECT_EQ(Call(nr), -ENOSYS);
  EXPECT_EQ(table_.UnimplementedCount(nr), 2u);
  EXPECT_EQ(Call(100000), -ENOSYS);  // out of range
  EXPECT_EQ(Call(335), -ENOSYS);     // unused number
  EXPECT_EQ(table_.UnimplementedCount(335), 1u);
  EXPECT_TRUE(table_.Implemented(SYS_write));
}

TEST_F(TableTest, ArchPrctl) {
  EXPECT_EQ(Call(SYS_arch_prctl, ARCH_SET_FS, 0x1234000), 0);
  EXPECT_EQ(task_.cpu().regs.fs_base, 0x1234000u);
  EXPECT_EQ(Call(SYS_arch_prctl, ARCH_GET_FS, buf_), 0);
  uint64_t v = 0;
  ASSERT_TRUE(mm_->CopyIn(buf_, &v, sizeof(v)).ok());
  EXPECT_EQ(v, 0x1234000u);
  EXPECT_EQ(Call(SYS_arch_prctl, ARCH_SET_GS, 0x5000), 0);
  EXPECT_EQ(task_.cpu().regs.gs_base, 0x5000u);
  EXPECT_EQ(Call(SYS_arch_prctl, ARCH_SET_FS, mm::kTaskSize), -EPERM);
  EXPECT_EQ(Call(SYS_arch_prctl, ARCH_GET_FS, 0), -EFAULT);
  EXPECT_EQ(Call(SYS_arch_prctl, 0x9999, 0), -EINVAL);
}

TEST_F(TableTest, Uname) {
  EXPECT_EQ(Call(SYS_uname, buf_), 0);
  struct utsname u;
  ASSERT_TRUE(mm_->CopyIn(buf_, &u, sizeof(u)).ok());
  EXPECT_STREQ(u.sysname, "Linux");
  EXPECT_STREQ(u.release, "6.1.0-gsandbox");
  EXPECT_STREQ(u.nodename, "sandbox");
  EXPECT_STREQ(u.machine, "x86_64");
  EXPECT_EQ(Call(SYS_uname, 0), -EFAULT);
}

TEST_F(TableTest, ExitGroupKillsTheGroup) {
  EXPECT_FALSE(task_.killed());
  Call(SYS_exit_group, 0x12a);
  EXPECT_TRUE(task_.killed());
  absl::MutexLock l(&kernel_.mu());
  EXPECT_TRUE(task_.tg().group_exiting);
  EXPECT_EQ(task_.tg().group_exit_status, 0x2a00);
}

TEST_F(TableTest, BrkAndMmap) {
  mm_->SetBrkBase(0x600000);
  EXPECT_EQ(Call(SYS_brk, 0), 0x600000);
  EXPECT_EQ(Call(SYS_brk, 0x621000), 0x621000);
  int64_t a = Call(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   static_cast<uint64_t>(-1), 0);
  ASSERT_GT(a, 0);
  EXPECT_EQ(Call(SYS_mprotect, a, 4096, PROT_READ), 0);
  EXPECT_EQ(Call(SYS_munmap, a, 8192), 0);
  EXPECT_EQ(Call(SYS_munmap, a + 1, 4096), -EINVAL);
  // File mappings need the VFS.
  task_.fds().Set(5, std::make_shared<kernel::HostFile>(0));
  EXPECT_EQ(Call(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 5, 0), -ENODEV);
  EXPECT_EQ(Call(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 6, 0), -EBADF);
}

TEST_F(TableTest, ReadWriteOnPipe) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  task_.fds().Set(3, std::make_shared<kernel::HostFile>(p[0]));
  task_.fds().Set(4, std::make_shared<kernel::HostFile>(p[1]));
  ASSERT_TRUE(mm_->CopyOut(buf_, "hello", 5).ok());
  EXPECT_EQ(Call(SYS_write, 4, buf_, 5), 5);
  EXPECT_EQ(Call(SYS_read, 3, buf_ + 100, 64), 5);
  char got[6] = {};
  ASSERT_TRUE(mm_->CopyIn(buf_ + 100, got, 5).ok());
  EXPECT_STREQ(got, "hello");
  EXPECT_EQ(Call(SYS_write, 4, 0, 5), -EFAULT);
  EXPECT_EQ(Call(SYS_write, 9, buf_, 5), -EBADF);

  // writev of two pieces, readv into one.
  struct {
    uint64_t base, len;
  } iov[2] = {{buf_, 2}, {buf_ + 3, 2}};  // "he" + "lo"
  ASSERT_TRUE(mm_->CopyOut(buf_ + 200, iov, sizeof(iov)).ok());
  EXPECT_EQ(Call(SYS_writev, 4, buf_ + 200, 2), 4);
  EXPECT_EQ(Call(SYS_read, 3, buf_ + 300, 64), 4);
  ASSERT_TRUE(mm_->CopyIn(buf_ + 300, got, 4).ok());
  got[4] = 0;
  EXPECT_STREQ(got, "helo");

  // stat, ioctl and lseek of a pipe.
  EXPECT_EQ(Call(SYS_fstat, 3, buf_ + 400), 0);
  struct stat st;
  ASSERT_TRUE(mm_->CopyIn(buf_ + 400, &st, sizeof(st)).ok());
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_uid, 8u);
  ASSERT_TRUE(mm_->CopyOut(buf_ + 600, "", 1).ok());
  EXPECT_EQ(Call(SYS_newfstatat, 3, buf_ + 600, buf_ + 400, AT_EMPTY_PATH), 0);
  EXPECT_EQ(Call(SYS_ioctl, 3, TCGETS, buf_), -ENOTTY);
  EXPECT_EQ(Call(SYS_lseek, 3, 0, SEEK_SET), -ESPIPE);

  EXPECT_EQ(Call(SYS_close, 4), 0);
  EXPECT_EQ(Call(SYS_close, 4), -EBADF);
  // HostFile borrows its host fd: the host side closes it.
  close(p[1]);
  EXPECT_EQ(Call(SYS_read, 3, buf_, 64), 0);  // EOF: the writer is gone
  EXPECT_EQ(Call(SYS_close, 3), 0);
  close(p[0]);
}

TEST_F(TableTest, TimeAndRandom) {
  EXPECT_EQ(Call(SYS_clock_gettime, CLOCK_MONOTONIC, buf_), 0);
  EXPECT_EQ(Call(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, buf_), 0);
  EXPECT_EQ(Call(SYS_clock_gettime, 12345, buf_), -EINVAL);
  EXPECT_EQ(Call(SYS_clock_gettime, CLOCK_REALTIME, 0), -EFAULT);
  EXPECT_GT(Call(SYS_time, 0), 1577836800);
  EXPECT_EQ(Call(SYS_getrandom, buf_, 32, 0), 32);
  EXPECT_EQ(Call(SYS_getrandom, buf_, 32, 0x100), -EINVAL);
  EXPECT_EQ(Call(SYS_getrandom, 0, 32, 0), -EFAULT);
}

}  // namespace
}  // namespace sentry::syscalls
