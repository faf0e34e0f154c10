// The path syscalls (sentry/syscalls/path.cc) on a test Task over a fake
// address space, with a tmpfs root: open flags, permissions from
// credentials, umask, getcwd/chdir, getdents64 and *at with dirfds.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cstring>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/testing/no_platform.h"
#include "sentry/mm/testing/fake_address_space.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/mount.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::vfs {
namespace {

using kernel::testing::NoLoader;
using kernel::testing::NoPlatform;

class PathSyscallsTest : public ::testing::Test {
 protected:
  PathSyscallsTest()
      : mm_(std::move(fake_.mm)),
        kernel_(platform_, *fake_.file, table_, loader_, kernel::UtsInfo{}),
        ns_(std::make_shared<MountNamespace>(NewTmpfs(0777, {0, 0}), 0)) {
    kernel_.SetVfsRoot(ns_, ns_->root_mount(), ns_->root_dentry());
    task_ptr_ = kernel_.CreateTaskForTesting(mm_, kernel::Credentials::ForUser(1000, 1000));
    mm::MmapRequest req;
    req.length = 1 << 16;
    req.prot = PROT_READ | PROT_WRITE;
    auto r = mm_->Mmap(req);
    buf_ = r.ok() ? *r : 0;
  }
  ~PathSyscallsTest() override { task_ptr_->fds().Clear(); }

  int64_t Call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0) {
    kernel::SyscallArguments a;
    a.nr = nr;
    uint64_t v[6] = {a0, a1, a2, a3, a4, 0};
    std::memcpy(a.args, v, sizeof(v));
    return table_.Dispatch(*task_ptr_, a).value;
  }
  // Copies `s` into app memory (slot i of 1 KiB) and returns its address.
  uint64_t Str(const std::string& s, int slot = 0) {
    uint64_t addr = buf_ + 0x8000 + static_cast<uint64_t>(slot) * 1024;
    EXPECT_TRUE(mm_->CopyOut(addr, s.c_str(), s.size() + 1).ok());
    return addr;
  }
  struct stat StatOf(const std::string& p, bool follow = true) {
    struct stat st {};
    EXPECT_EQ(Call(follow ? SYS_stat : SYS_lstat, Str(p), buf_), 0) << p;
    EXPECT_TRUE(mm_->CopyIn(buf_, &st, sizeof(st)).ok());
    return st;
  }

  NoPlatform platform_;
  NoLoader loader_;
  mm::testing::FakeMm fake_;
  std::shared_ptr<mm::MemoryManager> mm_;
  syscalls::SyscallTable table_;
  kernel::Kernel kernel_;
  std::shared_ptr<MountNamespace> ns_;
  std::shared_ptr<kernel::Task> task_ptr_;
  uint64_t buf_ = 0;
};

TEST_F(PathSyscallsTest, OpenCreateReadWrite) {
  int fd = static_cast<int>(Call(SYS_open, Str("/f"), O_CREAT | O_RDWR | O_CLOEXEC, 0666));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Call(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(Call(SYS_fcntl, fd, F_GETFL) & O_ACCMODE, O_RDWR);
  struct stat st = StatOf("/f");
  EXPECT_EQ(st.st_mode, S_IFREG | 0644u);
  EXPECT_EQ(st.st_uid, 1000u);
  ASSERT_TRUE(mm_->CopyOut(buf_, "data", 4).ok());
  EXPECT_EQ(Call(SYS_write, fd, buf_, 4), 4);
  EXPECT_EQ(Call(SYS_pread64, fd, buf_ + 100, 10, 1), 3);
  EXPECT_EQ(Call(SYS_lseek, fd, 0, SEEK_END), 4);
  EXPECT_EQ(Call(SYS_open, Str("/f"), O_CREAT | O_EXCL | O_RDWR, 0666), -EEXIST);
  EXPECT_EQ(Call(SYS_newfstatat, fd, Str(""), buf_, AT_EMPTY_PATH), 0);
  EXPECT_EQ(Call(SYS_newfstatat, fd, Str(""), buf_, 0), -ENOENT);
  EXPECT_EQ(Call(SYS_newfstatat, 99, Str(""), buf_, AT_EMPTY_PATH), -EBADF);
  EXPECT_EQ(Call(SYS_open, 0, O_RDONLY), -EFAULT);
  EXPECT_EQ(Call(SYS_open, Str(""), O_RDONLY), -ENOENT);
}

TEST_F(PathSyscallsTest, PermissionsAndUmask) {
  EXPECT_EQ(Call(SYS_umask, 077), 022);
  EXPECT_EQ(Call(SYS_mkdir, Str("/d"), 0777), 0);
  EXPECT_EQ(StatOf("/d").st_mode, S_IFDIR | 0700u);
  int fd = static_cast<int>(Call(SYS_creat, Str("/d/f"), 0666));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(StatOf("/d/f").st_mode, S_IFREG | 0600u);
  EXPECT_EQ(Call(SYS_chmod, Str("/d/f"), 0400), 0);
  EXPECT_EQ(Call(SYS_open, Str("/d/f"), O_WRONLY), -EACCES);
  EXPECT_EQ(Call(SYS_access, Str("/d/f"), W_OK), -EACCES);
  EXPECT_EQ(Call(SYS_access, Str("/d/f"), R_OK), 0);
  EXPECT_EQ(Call(SYS_chmod, Str("/d"), 0600), 0);
  EXPECT_EQ(Call(SYS_open, Str("/d/f"), O_RDONLY), -EACCES) << "no search permission";
  EXPECT_EQ(Call(SYS_chmod, Str("/d"), 0700), 0);
  // Someone else's file: chmod/chown EPERM.
  ASSERT_TRUE(ns_->root_dentry()->inode().Create("root", 0644, {0, 0}).ok());
  EXPECT_EQ(Call(SYS_chmod, Str("/root"), 0777), -EPERM);
  EXPECT_EQ(Call(SYS_chown, Str("/root"), 1000, -1), -EPERM);
  EXPECT_EQ(Call(SYS_unlink, Str("/root")), 0) << "root dir is 0777, not sticky";
  EXPECT_EQ(Call(SYS_ftruncate, fd, 10), 0);
  EXPECT_EQ(StatOf("/d/f").st_size, 10);
}

TEST_F(PathSyscallsTest, CwdAndDirfds) {
  EXPECT_EQ(Call(SYS_mkdir, Str("/a"), 0755), 0);
  EXPECT_EQ(Call(SYS_mkdir, Str("/a/b"), 0755), 0);
  EXPECT_EQ(Call(SYS_chdir, Str("/a/b")), 0);
  EXPECT_EQ(Call(SYS_getcwd, buf_, 100), 5);
  char out[16] = {};
  ASSERT_TRUE(mm_->CopyIn(buf_, out, 5).ok());
  EXPECT_STREQ(out, "/a/b");
  EXPECT_EQ(Call(SYS_getcwd, buf_, 4), -ERANGE);
  EXPECT_EQ(Call(SYS_rename, Str("/a/b"), Str("/a/c", 1)), 0);
  EXPECT_EQ(Call(SYS_getcwd, buf_, 100), 5);
  ASSERT_TRUE(mm_->CopyIn(buf_, out, 5).ok());
  EXPECT_STREQ(out, "/a/c") << "the cwd follows a rename";
  int dfd = static_cast<int>(Call(SYS_open, Str(".."), O_RDONLY | O_DIRECTORY));
  ASSERT_GE(dfd, 0);
  EXPECT_EQ(Call(SYS_mkdirat, dfd, Str("x"), 0755), 0);
  EXPECT_EQ(StatOf("/a/x").st_mode & S_IFMT, static_cast<unsigned>(S_IFDIR));
  EXPECT_EQ(Call(SYS_unlinkat, dfd, Str("x"), AT_REMOVEDIR), 0);
  EXPECT_EQ(Call(SYS_rmdir, Str("/a/c")), 0);
  EXPECT_EQ(Call(SYS_getcwd, buf_, 100), -ENOENT);
  EXPECT_EQ(Call(SYS_fchdir, dfd), 0);
  EXPECT_EQ(Call(SYS_getcwd, buf_, 100), 3);
  // getdents64 of /a: ".", "..".
  int64_t n = Call(SYS_getdents64, dfd, buf_, 4096);
  ASSERT_GT(n, 0);
  std::vector<std::string> names;
  std::vector<uint8_t> raw(static_cast<size_t>(n));
  ASSERT_TRUE(mm_->CopyIn(buf_, raw.data(), raw.size()).ok());
  for (size_t off = 0; off < raw.size();) {
    auto* e = reinterpret_cast<struct dirent64*>(&raw[off]);
    names.push_back(e->d_name);
    off += e->d_reclen;
  }
  EXPECT_EQ(names, (std::vector<std::string>{".", ".."}));
  EXPECT_EQ(Call(SYS_getdents64, dfd, buf_, 4096), 0);
  EXPECT_EQ(Call(SYS_lseek, dfd, 0, SEEK_SET), 0);
  EXPECT_EQ(Call(SYS_getdents64, dfd, buf_, 10), -EINVAL);
}

TEST_F(PathSyscallsTest, SymlinksAndLinks) {
  EXPECT_EQ(Call(SYS_symlink, Str("target"), Str("/l", 1)), 0);
  EXPECT_EQ(Call(SYS_readlink, Str("/l"), buf_, 3), 3);
  EXPECT_EQ(Call(SYS_readlink, Str("/l"), buf_, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_open, Str("/l"), O_RDONLY), -ENOENT);
  EXPECT_EQ(Call(SYS_open, Str("/l"), O_RDONLY | O_NOFOLLOW), -ELOOP);
  int p = static_cast<int>(Call(SYS_open, Str("/l"), O_PATH | O_NOFOLLOW));
  EXPECT_GE(p, 0);
  EXPECT_EQ(Call(SYS_read, p, buf_, 1), -EBADF);
  EXPECT_EQ(Call(SYS_creat, Str("/target"), 0644), p + 1);
  EXPECT_EQ(Call(SYS_link, Str("/l"), Str("/hard", 1)), 0);
  EXPECT_EQ(StatOf("/hard", false).st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
  EXPECT_EQ(Call(SYS_linkat, AT_FDCWD, Str("/l"), AT_FDCWD, Str("/hard2", 1), AT_SYMLINK_FOLLOW), 0);
  EXPECT_EQ(StatOf("/target").st_nlink, 2u);
  EXPECT_EQ(Call(SYS_openat2, AT_FDCWD, Str("/l"), 0, 24), -EFAULT);
}

}  // namespace
}  // namespace sentry::vfs
