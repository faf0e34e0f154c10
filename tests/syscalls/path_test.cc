// Path syscalls: the *at family, permissions and ownership, renames, links,
// statx, truncate, utimensat, getdents64, sync. Each test works in a
// scratch directory under the working directory (writable natively and in
// the sandbox's root).
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include <cstring>
#include <string>

#include "tests/syscalls/test_util.h"

namespace {

class PathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "path_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    dfd_ = open(dir_.c_str(), O_DIRECTORY | O_RDONLY);
    ASSERT_GE(dfd_, 0);
  }
  void TearDown() override {
    close(dfd_);
    // No shell in the sandbox: remove what the tests leave by hand.
    for (const char* n : {"f", "g", "h", "l", "sub/x", "sub", "d2", "new", "t"}) {
      unlinkat(AT_FDCWD, (dir_ + "/" + n).c_str(), 0);
      unlinkat(AT_FDCWD, (dir_ + "/" + n).c_str(), AT_REMOVEDIR);
    }
    rmdir(dir_.c_str());
  }
  std::string P(const char* name) const { return dir_ + "/" + name; }
  int Make(const char* name, const char* data = "data") {
    int fd = openat(dfd_, name, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd >= 0) (void)!write(fd, data, strlen(data));
    return fd;
  }

  std::string dir_;
  int dfd_ = -1;
};

TEST_F(PathTest, CreatMakesWriteOnlyFile) {
  int fd = creat(P("f").c_str(), 0600);
  ASSERT_OK(fd);
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
  struct stat st;
  ASSERT_OK(fstat(fd, &st));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  close(fd);
}

TEST_F(PathTest, MkdiratAndUnlinkatRemovedir) {
  ASSERT_OK(mkdirat(dfd_, "sub", 0755));
  EXPECT_ERRNO(mkdirat(dfd_, "sub", 0755), EEXIST);
  EXPECT_ERRNO(unlinkat(dfd_, "sub", 0), EISDIR);
  ASSERT_OK(unlinkat(dfd_, "sub", AT_REMOVEDIR));
  EXPECT_ERRNO(unlinkat(dfd_, "sub", AT_REMOVEDIR), ENOENT);
}

TEST_F(PathTest, ChdirAndFchdir) {
  int here = open(".", O_DIRECTORY | O_RDONLY);
  ASSERT_OK(here);
  ASSERT_OK(chdir(dir_.c_str()));
  int fd = open("f", O_CREAT | O_WRONLY, 0644);
  EXPECT_OK(fd);
  close(fd);
  ASSERT_OK(fchdir(here));
  EXPECT_EQ(access(P("f").c_str(), F_OK), 0);
  EXPECT_ERRNO(chdir(P("f").c_str()), ENOTDIR);
  int file = open(P("f").c_str(), O_RDONLY);
  EXPECT_ERRNO(fchdir(file), ENOTDIR);
  close(file);
  close(here);
}

TEST_F(PathTest, ChmodFamily) {
  int fd = Make("f");
  ASSERT_OK(fd);
  struct stat st;
  ASSERT_OK(chmod(P("f").c_str(), 0640));
  ASSERT_OK(stat(P("f").c_str(), &st));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_OK(fchmod(fd, 0600));
  ASSERT_OK(fstat(fd, &st));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_OK(fchmodat(dfd_, "f", 0444, 0));
  ASSERT_OK(fstatat(dfd_, "f", &st, 0));
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_ERRNO(fchmodat(dfd_, "missing", 0444, 0), ENOENT);
  close(fd);
}

TEST_F(PathTest, ChownFamilyAsRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  int fd = Make("f");
  ASSERT_OK(fd);
  ASSERT_OK(symlinkat("f", dfd_, "l"));
  struct stat st;
  ASSERT_OK(chown(P("f").c_str(), 123, 456));
  ASSERT_OK(stat(P("f").c_str(), &st));
  EXPECT_EQ(st.st_uid, 123u);
  EXPECT_EQ(st.st_gid, 456u);
  ASSERT_OK(fchown(fd, 7, -1));
  ASSERT_OK(fstat(fd, &st));
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_gid, 456u);
  ASSERT_OK(lchown(P("l").c_str(), 99, 99));
  ASSERT_OK(lstat(P("l").c_str(), &st));
  EXPECT_EQ(st.st_uid, 99u);
  ASSERT_OK(stat(P("f").c_str(), &st));
  EXPECT_EQ(st.st_uid, 7u);  // the target is untouched
  ASSERT_OK(fchownat(dfd_, "f", 5, 6, 0));
  ASSERT_OK(fstatat(dfd_, "f", &st, 0));
  EXPECT_EQ(st.st_uid, 5u);
  close(fd);
}

TEST_F(PathTest, FaccessatAndFaccessat2) {
  int fd = Make("f");
  close(fd);
  ASSERT_OK(fchmodat(dfd_, "f", 0644, 0));
  EXPECT_EQ(faccessat(dfd_, "f", R_OK | W_OK, 0), 0);
  EXPECT_ERRNO(faccessat(dfd_, "missing", F_OK, 0), ENOENT);
  EXPECT_ERRNO(faccessat(dfd_, "f", 0x40, 0), EINVAL);
  EXPECT_EQ(syscall(SYS_faccessat2, dfd_, "f", R_OK, AT_EACCESS), 0);
  EXPECT_ERRNO(syscall(SYS_faccessat2, dfd_, "f", R_OK, 0x4000), EINVAL);
}

TEST_F(PathTest, LinkatAndSymlinkatAndReadlinkat) {
  close(Make("f"));
  ASSERT_OK(linkat(dfd_, "f", dfd_, "g", 0));
  struct stat st;
  ASSERT_OK(fstatat(dfd_, "f", &st, 0));
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_ERRNO(linkat(dfd_, "f", dfd_, "g", 0), EEXIST);
  ASSERT_OK(symlinkat("f", dfd_, "l"));
  char buf[16] = {};
  EXPECT_EQ(readlinkat(dfd_, "l", buf, sizeof buf), 1);
  EXPECT_EQ(buf[0], 'f');
  EXPECT_ERRNO(readlinkat(dfd_, "f", buf, sizeof buf), EINVAL);
  EXPECT_ERRNO(symlinkat("x", dfd_, "l"), EEXIST);
  EXPECT_ERRNO(symlink("x", P("l").c_str()), EEXIST);
}

TEST_F(PathTest, RenameatFamily) {
  close(Make("f", "one"));
  close(Make("g", "two"));
  ASSERT_OK(renameat(dfd_, "f", dfd_, "h"));
  EXPECT_ERRNO(faccessat(dfd_, "f", F_OK, 0), ENOENT);
  EXPECT_ERRNO(syscall(SYS_renameat2, dfd_, "h", dfd_, "g", RENAME_NOREPLACE), EEXIST);
  ASSERT_OK(rename(P("h").c_str(), P("g").c_str()));  // replaces
  char buf[8] = {};
  int fd = openat(dfd_, "g", O_RDONLY);
  EXPECT_EQ(read(fd, buf, sizeof buf), 3);
  EXPECT_STREQ(buf, "one");
  close(fd);
  EXPECT_ERRNO(syscall(SYS_renameat2, dfd_, "g", dfd_, "t", 0x80), EINVAL);
}

TEST_F(PathTest, Openat2ResolveBeneath) {
  struct open_how how = {};
  how.flags = O_RDONLY;
  how.resolve = RESOLVE_BENEATH;
  close(Make("f"));
  int fd = syscall(SYS_openat2, dfd_, "f", &how, sizeof how);
  EXPECT_OK(fd);
  close(fd);
  EXPECT_ERRNO(syscall(SYS_openat2, dfd_, "../x", &how, sizeof how), EXDEV);
  how.mode = 0644;  // mode without O_CREAT
  EXPECT_ERRNO(syscall(SYS_openat2, dfd_, "f", &how, sizeof how), EINVAL);
}

TEST_F(PathTest, NewfstatatEmptyPathAndNofollow) {
  int fd = Make("f");
  ASSERT_OK(symlinkat("f", dfd_, "l"));
  struct stat a, b;
  ASSERT_OK(fstatat(fd, "", &a, AT_EMPTY_PATH));
  ASSERT_OK(fstat(fd, &b));
  EXPECT_EQ(a.st_ino, b.st_ino);
  ASSERT_OK(fstatat(dfd_, "l", &a, AT_SYMLINK_NOFOLLOW));
  EXPECT_TRUE(S_ISLNK(a.st_mode));
  EXPECT_ERRNO(fstatat(fd, "", &a, 0), ENOENT);
  close(fd);
}

TEST_F(PathTest, StatxBasics) {
  int fd = Make("f", "12345");
  close(fd);
  struct statx sx;
  ASSERT_OK(statx(dfd_, "f", 0, STATX_BASIC_STATS, &sx));
  EXPECT_EQ(sx.stx_size, 5u);
  EXPECT_TRUE(S_ISREG(sx.stx_mode));
  EXPECT_TRUE(sx.stx_mask & STATX_SIZE);
  EXPECT_ERRNO(statx(dfd_, "f", 0x80000000, STATX_BASIC_STATS, &sx), EINVAL);
}

TEST_F(PathTest, TruncateGrowsAndShrinks) {
  close(Make("f", "abcdef"));
  ASSERT_OK(truncate(P("f").c_str(), 3));
  struct stat st;
  ASSERT_OK(stat(P("f").c_str(), &st));
  EXPECT_EQ(st.st_size, 3);
  ASSERT_OK(truncate(P("f").c_str(), 10000));
  ASSERT_OK(stat(P("f").c_str(), &st));
  EXPECT_EQ(st.st_size, 10000);
  EXPECT_ERRNO(truncate(P("f").c_str(), -1), EINVAL);
  EXPECT_ERRNO(truncate(dir_.c_str(), 0), EISDIR);
}

TEST_F(PathTest, UtimensatSetsTimes) {
  close(Make("f"));
  struct timespec ts[2] = {{1000, 5}, {2000, 7}};
  ASSERT_OK(utimensat(dfd_, "f", ts, 0));
  struct stat st;
  ASSERT_OK(fstatat(dfd_, "f", &st, 0));
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 7);
  struct timespec bad[2] = {{0, 2000000000}, {0, 0}};
  EXPECT_ERRNO(utimensat(dfd_, "f", bad, 0), EINVAL);
}

TEST_F(PathTest, Getdents64ListsEntries) {
  close(Make("f"));
  close(Make("g"));
  int fd = openat(dfd_, ".", O_RDONLY | O_DIRECTORY);
  ASSERT_OK(fd);
  char buf[4096];
  long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
  ASSERT_GT(n, 0);
  int seen = 0;
  for (long off = 0; off < n;) {
    auto* d = reinterpret_cast<struct dirent64*>(buf + off);
    std::string name = d->d_name;
    if (name == "f" || name == "g") seen++;
    off += d->d_reclen;
  }
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), 0);  // at the end
  ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
  EXPECT_ERRNO(syscall(SYS_getdents64, fd, buf, 8), EINVAL);  // no room for one entry
  close(fd);
}

TEST_F(PathTest, FsyncAndFdatasync) {
  int fd = Make("f");
  EXPECT_OK(fsync(fd));
  EXPECT_OK(fdatasync(fd));
  close(fd);
  EXPECT_ERRNO(fsync(-1), EBADF);
}

TEST_F(PathTest, PreadPwriteAtOffsets) {
  int fd = Make("f", "0123456789");
  char buf[4] = {};
  EXPECT_EQ(pread(fd, buf, 3, 4), 3);
  EXPECT_EQ(std::string(buf, 3), "456");
  EXPECT_EQ(pwrite(fd, "AB", 2, 8), 2);
  EXPECT_EQ(pread(fd, buf, 4, 7), 3);
  EXPECT_EQ(std::string(buf, 3), "7AB");
  EXPECT_ERRNO(pread(fd, buf, 1, -1), EINVAL);
  close(fd);
}

}  // namespace
