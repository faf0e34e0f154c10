// mmap(2) of files: private and shared mappings, coherence with read(2) and
// write(2), msync, and the errors for fds that cannot be mapped that way.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstring>
#include <string>

#include "tests/syscalls/test_util.h"

namespace {

constexpr size_t kPage = 4096;

// A scratch file in the working directory (writable natively and in the
// sandbox's root), removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "mmap_file_test.XXXXXX";
    fd_ = mkstemp(name);
    name_ = name;
    if (fd_ >= 0 && !content.empty()) {
      if (write(fd_, content.data(), content.size()) != (ssize_t)content.size()) fd_ = -1;
    }
  }
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    unlink(name_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  std::string ReadAll() const {
    std::string s(kPage * 2, '\0');
    ssize_t n = pread(fd_, s.data(), s.size(), 0);
    s.resize(n < 0 ? 0 : n);
    return s;
  }

 private:
  int fd_ = -1;
  std::string name_;
};

TEST(MmapFile, PrivateMapSeesFileData) {
  TempFile f("hello mapped world");
  ASSERT_GE(f.fd(), 0);
  char* p = static_cast<char*>(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, f.fd(), 0));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_EQ(std::string(p, 18), "hello mapped world");
  EXPECT_EQ(p[100], '\0');  // past EOF in the last page: zeroes
  munmap(p, kPage);
}

TEST(MmapFile, PrivateWritesStayPrivate) {
  TempFile f("original");
  char* p = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.fd(), 0));
  ASSERT_NE(p, MAP_FAILED);
  memcpy(p, "CHANGED!", 8);
  EXPECT_EQ(f.ReadAll(), "original");
  munmap(p, kPage);
}

TEST(MmapFile, SharedStoreVisibleToRead) {
  TempFile f(std::string(kPage, 'a'));
  char* p = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd(), 0));
  ASSERT_NE(p, MAP_FAILED);
  memcpy(p + 10, "shared", 6);
  char buf[6];
  ASSERT_EQ(pread(f.fd(), buf, 6, 10), 6);
  EXPECT_EQ(std::string(buf, 6), "shared");
  ASSERT_EQ(msync(p, kPage, MS_SYNC), 0);
  munmap(p, kPage);
  ASSERT_EQ(pread(f.fd(), buf, 6, 10), 6);
  EXPECT_EQ(std::string(buf, 6), "shared");
}

TEST(MmapFile, WriteVisibleInSharedMap) {
  TempFile f(std::string(kPage, 'b'));
  char* p = static_cast<char*>(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, f.fd(), 0));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_EQ(p[0], 'b');
  ASSERT_EQ(pwrite(f.fd(), "XY", 2, 0), 2);
  EXPECT_EQ(p[0], 'X');
  EXPECT_EQ(p[1], 'Y');
  munmap(p, kPage);
}

TEST(MmapFile, TwoSharedMapsAreCoherent) {
  TempFile f(std::string(kPage, 'c'));
  char* a = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd(), 0));
  char* b = static_cast<char*>(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, f.fd(), 0));
  ASSERT_NE(a, MAP_FAILED);
  ASSERT_NE(b, MAP_FAILED);
  a[5] = 'Z';
  EXPECT_EQ(b[5], 'Z');
  munmap(a, kPage);
  munmap(b, kPage);
}

TEST(MmapFile, SharedWritableOnReadOnlyFdEacces) {
  TempFile f("data");
  int ro = open(f.name().c_str(), O_RDONLY);
  ASSERT_GE(ro, 0);
  EXPECT_EQ(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), MAP_FAILED);
  EXPECT_EQ(errno, EACCES);
  // Private writable mappings of a read-only fd are fine.
  void* p = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
  EXPECT_NE(p, MAP_FAILED);
  if (p != MAP_FAILED) munmap(p, kPage);
  close(ro);
}

TEST(MmapFile, WriteOnlyFdEacces) {
  TempFile f("data");
  int wo = open(f.name().c_str(), O_WRONLY);
  ASSERT_GE(wo, 0);
  EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, wo, 0), MAP_FAILED);
  EXPECT_EQ(errno, EACCES);
  close(wo);
}

TEST(MmapFile, PipeEnodev) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, p[0], 0), MAP_FAILED);
  EXPECT_EQ(errno, ENODEV);
  close(p[0]);
  close(p[1]);
}

TEST(MmapFile, UnalignedOffsetEinval) {
  TempFile f("data");
  EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, f.fd(), 100), MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
}

TEST(MmapFile, BadFdEbadf) {
  EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, 999, 0), MAP_FAILED);
  EXPECT_EQ(errno, EBADF);
}

TEST(MmapFile, OffsetMapsTheRightPage) {
  std::string data(kPage, '1');
  data += std::string(kPage, '2');
  TempFile f(data);
  char* p = static_cast<char*>(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, f.fd(), kPage));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_EQ(p[0], '2');
  EXPECT_EQ(p[kPage - 1], '2');
  munmap(p, kPage);
}

TEST(MmapFile, SharedMapSurvivesClose) {
  TempFile f(std::string(kPage, 'd'));
  int fd2 = dup(f.fd());
  char* p = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0));
  ASSERT_NE(p, MAP_FAILED);
  close(fd2);
  p[0] = 'Q';
  munmap(p, kPage);
  char c;
  ASSERT_EQ(pread(f.fd(), &c, 1, 0), 1);
  EXPECT_EQ(c, 'Q');
}

}  // namespace
