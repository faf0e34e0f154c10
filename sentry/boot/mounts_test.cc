// The standard mounts as an app sees them, through the syscall table on a
// test task (no platform): /proc, /dev and /sys contents, magic links,
// memfd_create, mount/umount2.
#include "sentry/boot/mounts.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/testing/no_platform.h"
#include "sentry/mm/testing/fake_address_space.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/mount.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::boot {
namespace {

using kernel::testing::NoLoader;
using kernel::testing::NoPlatform;

class MountsTest : public ::testing::Test {
 protected:
  MountsTest()
      : mm_(std::move(fake_.mm)),
        kernel_(platform_, *fake_.file, table_, loader_, kernel::UtsInfo{}),
        ns_(std::make_shared<vfs::MountNamespace>(vfs::NewTmpfs(0755, {0, 0}), 0)) {
    kernel_.SetVfsRoot(ns_, ns_->root_mount(), ns_->root_dentry());
    EXPECT_TRUE(MountStandardFilesystems(kernel_, *ns_).ok());
    task_ = kernel_.CreateTaskForTesting(mm_, kernel::Credentials::ForUser(0, 0));
    task_->comm = "tester";
    mm::MmapRequest req;
    req.length = 1 << 16;
    req.prot = PROT_READ | PROT_WRITE;
    auto r = mm_->Mmap(req);
    buf_ = r.ok() ? *r : 0;
    // argv "prog\0-x\0" and envp "A=1\0" at the start of the buffer.
    EXPECT_TRUE(mm_->CopyOut(buf_, "prog\0-x\0A=1\0", 12).ok());
    mm_->SetImageInfo({"/bin/prog", buf_, buf_ + 8, buf_ + 8, buf_ + 12});
  }
  ~MountsTest() override { task_->fds().Clear(); }

  int64_t Call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0) {
    kernel::SyscallArguments a;
    a.nr = nr;
    uint64_t v[6] = {a0, a1, a2, a3, a4, 0};
    std::memcpy(a.args, v, sizeof(v));
    return table_.Dispatch(*task_, a).value;
  }
  uint64_t Str(const std::string& s, int slot = 0) {
    uint64_t addr = buf_ + 0x8000 + static_cast<uint64_t>(slot) * 1024;
    EXPECT_TRUE(mm_->CopyOut(addr, s.c_str(), s.size() + 1).ok());
    return addr;
  }
  // The content of `path` (one read of up to 16 KiB).
  std::string Read(const std::string& path) {
    int fd = static_cast<int>(Call(SYS_open, Str(path), O_RDONLY));
    EXPECT_GE(fd, 0) << path;
    if (fd < 0) return "";
    int64_t n = Call(SYS_read, fd, buf_ + 0x1000, 0x4000);
    EXPECT_GE(n, 0) << path;
    std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
    EXPECT_TRUE(mm_->CopyIn(buf_ + 0x1000, out.data(), out.size()).ok());
    Call(SYS_close, fd);
    return out;
  }
  std::string Readlink(const std::string& path) {
    int64_t n = Call(SYS_readlink, Str(path), buf_ + 0x1000, 256);
    EXPECT_GT(n, 0) << path << " errno " << -n;
    std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
    EXPECT_TRUE(mm_->CopyIn(buf_ + 0x1000, out.data(), out.size()).ok());
    return out;
  }

  NoPlatform platform_;
  NoLoader loader_;
  mm::testing::FakeMm fake_;
  std::shared_ptr<mm::MemoryManager> mm_;
  syscalls::SyscallTable table_;
  kernel::Kernel kernel_;
  std::shared_ptr<vfs::MountNamespace> ns_;
  std::shared_ptr<kernel::Task> task_;
  uint64_t buf_ = 0;
};

TEST_F(MountsTest, ProcSelf) {
  const std::string pid = std::to_string(task_->tgid());
  EXPECT_EQ(Readlink("/proc/self"), pid);
  EXPECT_EQ(Read("/proc/self/stat").rfind(pid + " (tester) R 0 ", 0), 0u);
  EXPECT_EQ(Read("/proc/self/comm"), "tester\n");
  EXPECT_EQ(Read("/proc/self/cmdline"), std::string("prog\0-x\0", 8));
  EXPECT_EQ(Read("/proc/self/environ"), std::string("A=1\0", 4));
  EXPECT_EQ(Readlink("/proc/self/exe"), "/bin/prog");
  EXPECT_EQ(Readlink("/proc/self/cwd"), "/");
  EXPECT_NE(Read("/proc/" + pid + "/status").find("\nUid:\t0\t0\t0\t0\n"), std::string::npos);
  EXPECT_NE(Read("/proc/mounts").find("proc /proc proc rw,nosuid,nodev,noexec 0 0\n"),
            std::string::npos);
  EXPECT_EQ(Read("/sys/devices/system/cpu/online").rfind("0", 0), 0u);
  EXPECT_EQ(Call(SYS_open, Str("/proc/999/stat"), O_RDONLY), -ENOENT);
  // Synthetic files refuse writes their mode forbids only by permission:
  // root may open meminfo for writing, but writing fails.
  int fd = static_cast<int>(Call(SYS_open, Str("/proc/meminfo"), O_WRONLY));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Call(SYS_write, fd, Str("x"), 1), -EINVAL);
}

TEST_F(MountsTest, FdMagicLinks) {
  int fd = static_cast<int>(Call(SYS_open, Str("/f"), O_CREAT | O_RDWR, 0644));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(Call(SYS_write, fd, Str("abcdef"), 6), 6);
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  EXPECT_EQ(Readlink(link), "/f");
  int again = static_cast<int>(Call(SYS_open, Str(link), O_RDONLY));
  ASSERT_GE(again, 0);
  EXPECT_EQ(Call(SYS_read, again, buf_ + 0x1000, 2), 2) << "its own offset, at 0";
  char two[2];
  ASSERT_TRUE(mm_->CopyIn(buf_ + 0x1000, two, 2).ok());
  EXPECT_EQ(std::string(two, 2), "ab");
  // Still reachable after unlink, shown as deleted.
  ASSERT_EQ(Call(SYS_unlink, Str("/f")), 0);
  EXPECT_EQ(Readlink(link), "/f (deleted)");
  EXPECT_GE(Call(SYS_open, Str(link), O_RDONLY), 0);
  // Pipes: the link names the pipe; opening it gives the same pipe.
  ASSERT_EQ(Call(SYS_pipe2, buf_ + 0x3000, 0), 0);
  int p[2];
  ASSERT_TRUE(mm_->CopyIn(buf_ + 0x3000, p, sizeof(p)).ok());
  EXPECT_EQ(Readlink("/dev/fd/" + std::to_string(p[0])).rfind("pipe:[", 0), 0u);
  int w = static_cast<int>(Call(SYS_open, Str("/dev/fd/" + std::to_string(p[1])), O_WRONLY));
  ASSERT_GE(w, 0);
  EXPECT_EQ(Call(SYS_write, w, Str("z"), 1), 1);
  EXPECT_EQ(Call(SYS_read, p[0], buf_ + 0x1000, 10), 1);
  EXPECT_EQ(Call(SYS_open, Str("/proc/self/fd/77"), O_RDONLY), -ENOENT);
}

TEST_F(MountsTest, Devices) {
  int fd = static_cast<int>(Call(SYS_open, Str("/dev/full"), O_RDWR));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Call(SYS_write, fd, Str("x"), 1), -ENOSPC);
  EXPECT_EQ(Call(SYS_read, fd, buf_, 4), 4);
  fd = static_cast<int>(Call(SYS_open, Str("/dev/null"), O_WRONLY));
  EXPECT_EQ(Call(SYS_write, fd, Str("x"), 1), 1);
  EXPECT_EQ(Call(SYS_open, Str("/dev/tty"), O_RDWR), -ENXIO);
  EXPECT_EQ(Read("/dev/zero").size(), 0x4000u);
  EXPECT_EQ(Readlink("/dev/stdout"), "/proc/self/fd/1");
  EXPECT_GE(Call(SYS_open, Str("/dev/shm/x"), O_CREAT | O_RDWR, 0600), 0);
}

TEST_F(MountsTest, MemfdAndMount) {
  int fd = static_cast<int>(Call(SYS_memfd_create, Str("m"), MFD_CLOEXEC));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Call(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(Readlink("/proc/self/fd/" + std::to_string(fd)), "/memfd:m (deleted)");
  EXPECT_EQ(Call(SYS_memfd_create, Str("m"), 0x80), -EINVAL);

  ASSERT_EQ(Call(SYS_mkdir, Str("/mnt"), 0755), 0);
  EXPECT_EQ(Call(SYS_mount, Str("none"), Str("/mnt", 1), Str("nofs", 2), 0, 0), -ENODEV);
  ASSERT_EQ(Call(SYS_mount, Str("none"), Str("/mnt", 1), Str("tmpfs", 2), MS_NOSUID, 0), 0);
  EXPECT_NE(Read("/proc/mounts").find("none /mnt tmpfs rw,nosuid 0 0\n"), std::string::npos);
  int f = static_cast<int>(Call(SYS_open, Str("/mnt/file"), O_CREAT | O_RDWR, 0644));
  ASSERT_GE(f, 0);
  EXPECT_EQ(Call(SYS_umount2, Str("/mnt"), 0), -EBUSY);
  EXPECT_EQ(Call(SYS_umount2, Str("/proc/self"), 0), -EINVAL);
  EXPECT_EQ(Call(SYS_close, f), 0);
  EXPECT_EQ(Call(SYS_umount2, Str("/mnt"), 0), 0);
  EXPECT_EQ(Call(SYS_open, Str("/mnt/file"), O_RDONLY), -ENOENT);
  EXPECT_EQ(Call(SYS_umount2, Str("/"), 0), -EBUSY);
  // Bind mount of a directory.
  ASSERT_EQ(Call(SYS_mkdir, Str("/b"), 0755), 0);
  ASSERT_EQ(Call(SYS_mount, Str("/dev"), Str("/b", 1), 0, MS_BIND, 0), 0);
  EXPECT_EQ(Readlink("/b/fd"), "/proc/self/fd");
  EXPECT_NE(Read("/proc/self/mountinfo").find(" / /b rw - devtmpfs none rw\n"), std::string::npos);
  // Remount read-only: no more creation there.
  ASSERT_EQ(Call(SYS_mkdir, Str("/ro"), 0755), 0);
  ASSERT_EQ(Call(SYS_mount, Str("none"), Str("/ro", 1), Str("tmpfs", 2), 0, 0), 0);
  ASSERT_EQ(Call(SYS_mount, 0, Str("/ro", 1), 0, MS_REMOUNT | MS_RDONLY, 0), 0);
  EXPECT_EQ(Call(SYS_open, Str("/ro/f"), O_CREAT | O_RDWR, 0644), -EROFS);
  EXPECT_NE(Read("/proc/mounts").find("none /ro tmpfs ro 0 0\n"), std::string::npos);
  // Without CAP_SYS_ADMIN: EPERM.
  task_->creds() = kernel::Credentials::ForUser(1000, 1000);
  EXPECT_EQ(Call(SYS_mount, Str("none"), Str("/mnt", 1), Str("tmpfs", 2), 0, 0), -EPERM);
  EXPECT_EQ(Call(SYS_umount2, Str("/b"), 0), -EPERM);
}

}  // namespace
}  // namespace sentry::boot
