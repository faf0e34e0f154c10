// copy_test.cc: MemoryManager copy-in/out, strings and iovecs.
#include <climits>
#include <cstring>

#include "gtest/gtest.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/mm/testing/fake_address_space.h"

namespace sentry::mm {
namespace {

using testing::AppLoad;
using testing::AppStore;
using testing::FakeMm;

constexpr uint64_t P = kPageSize;
constexpr uint64_t A = 0x20000000;

MmapRequest Fixed(uint64_t addr, uint64_t len, int prot) {
  MmapRequest r;
  r.addr = addr;
  r.length = len;
  r.prot = prot;
  r.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  return r;
}

TEST(CopyTest, CopyOutPopulatesUntouchedMemoryAndTheAppSeesIt) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Fixed(A, 4 * P, PROT_READ | PROT_WRITE)).ok());
  std::string data(2 * P, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = char(i * 7);
  ASSERT_TRUE(mm.CopyOut(A + 100, data.data(), data.size()).ok());  // spans 3 pages
  EXPECT_EQ(mm.PopulatedPages(), 3u);
  for (size_t i : {size_t{0}, size_t{4000}, data.size() - 1}) {
    EXPECT_EQ(*AppLoad(f, A + 100 + i), uint8_t(data[i]));
  }
  std::string back(data.size(), 0);
  ASSERT_TRUE(mm.CopyIn(A + 100, back.data(), back.size()).ok());
  EXPECT_EQ(back, data);
  // Reading untouched memory gives zeroes without populating it.
  char z[16];
  std::memset(z, 1, sizeof(z));
  ASSERT_TRUE(mm.CopyIn(A + 3 * P + 8, z, sizeof(z)).ok());
  for (char c : z) EXPECT_EQ(c, 0);
  EXPECT_EQ(mm.PageOffset(A + 3 * P), -1);
  // And what the app wrote is what CopyIn reads.
  ASSERT_TRUE(AppStore(f, A + 3 * P + 9, 77).ok());
  ASSERT_TRUE(mm.CopyIn(A + 3 * P + 8, z, sizeof(z)).ok());
  EXPECT_EQ(z[1], 77);
}

TEST(CopyTest, InaccessibleIsEfault) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Fixed(A, P, PROT_READ)).ok());
  ASSERT_TRUE(mm.Mmap(Fixed(A + P, P, PROT_NONE)).ok());
  ASSERT_TRUE(mm.Mmap(Fixed(A + 2 * P, P, PROT_WRITE)).ok());
  char b[8] = {};
  EXPECT_EQ(mm.CopyIn(0, b, 1).error(), Errno(EFAULT));             // unmapped
  EXPECT_EQ(mm.CopyIn(A - 4, b, 8).error(), Errno(EFAULT));         // starts unmapped
  EXPECT_EQ(mm.CopyIn(A + P - 4, b, 8).error(), Errno(EFAULT));     // runs into PROT_NONE
  EXPECT_EQ(mm.CopyOut(A, b, 1).error(), Errno(EFAULT));            // read-only
  EXPECT_TRUE(mm.CopyIn(A, b, 8).ok());
  EXPECT_TRUE(mm.CopyOut(A + 2 * P, b, 8).ok());                    // write-only is fine
  EXPECT_TRUE(mm.CopyIn(A + 2 * P, b, 8).ok());                     // and readable (x86)
  EXPECT_EQ(mm.CopyIn(kTaskSize, b, 1).error(), Errno(EFAULT));
  EXPECT_EQ(mm.CopyIn(0xffffffffff600000, b, 1).error(), Errno(EFAULT));  // vsyscall page
  EXPECT_EQ(mm.CopyOut(~uint64_t{0} - 2, b, 8).error(), Errno(EFAULT));   // wraps
  EXPECT_TRUE(mm.CopyIn(0, b, 0).ok());  // nothing to do
  // A failed copy-out into read-only memory changed nothing there.
  EXPECT_EQ(mm.PageOffset(A), -1);
}

TEST(CopyTest, PartialCopiesReportTheAccessiblePrefix) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Fixed(A, P, PROT_READ | PROT_WRITE)).ok());
  std::string buf(3 * P, 'q');
  ErrnoOr<size_t> n = mm.CopyOutPartial(A + P - 10, buf.data(), buf.size());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 10u);
  ErrnoOr<size_t> r = mm.CopyInPartial(A + 100, buf.data(), buf.size());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, P - 100);
  EXPECT_EQ(mm.CopyInPartial(A + P, buf.data(), 1).error(), Errno(EFAULT));
  EXPECT_EQ(mm.CopyOutPartial(A - 1, buf.data(), 2).error(), Errno(EFAULT));
  ErrnoOr<size_t> zero = mm.CopyOutPartial(A + P, buf.data(), 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, 0u);
}

TEST(CopyTest, CopyInString) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Fixed(A, 2 * P, PROT_READ | PROT_WRITE)).ok());
  const char kPath[] = "/etc/hostname";
  ASSERT_TRUE(mm.CopyOut(A + P - 5, kPath, sizeof(kPath)).ok());  // across a page
  ErrnoOr<std::string> s = mm.CopyInString(A + P - 5, 4096);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "/etc/hostname");
  // max_len counts the NUL: 14 bytes fit in 14, not in 13.
  EXPECT_TRUE(mm.CopyInString(A + P - 5, 14).ok());
  EXPECT_EQ(mm.CopyInString(A + P - 5, 13).error(), Errno(ENAMETOOLONG));
  ErrnoOr<std::string> empty = mm.CopyInString(A + 8, 10);  // zero memory: ""
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  // No NUL before the end of the mapping: EFAULT (not ENAMETOOLONG).
  std::string fill(16, 'a');
  ASSERT_TRUE(mm.CopyOut(A + 2 * P - 16, fill.data(), 16).ok());
  EXPECT_EQ(mm.CopyInString(A + 2 * P - 16, 4096).error(), Errno(EFAULT));
  EXPECT_EQ(mm.CopyInString(A + 2 * P - 16, 16).error(), Errno(ENAMETOOLONG));
  EXPECT_EQ(mm.CopyInString(0, 4096).error(), Errno(EFAULT));
}

TEST(CopyTest, Iovecs) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Fixed(A, 4 * P, PROT_READ | PROT_WRITE)).ok());
  struct iovec iov[3] = {{reinterpret_cast<void*>(A + P), 3},
                         {reinterpret_cast<void*>(A + 2 * P), 5},
                         {reinterpret_cast<void*>(A + 4 * P - 2), 10}};  // last runs off the end
  ASSERT_TRUE(mm.CopyOut(A, iov, sizeof(iov)).ok());
  ErrnoOr<std::vector<IoVec>> v = mm.CopyInIovecs(A, 3);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[1].base, A + 2 * P);
  EXPECT_EQ((*v)[1].len, 5u);
  const char kMsg[] = "abcdefghijklmnop";
  ErrnoOr<size_t> n = mm.CopyOutToIovecs(*v, kMsg, 16);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u + 5u + 2u);  // short: the third buffer faults after 2 bytes
  char back[10] = {};
  ErrnoOr<size_t> m = mm.CopyInFromIovecs(*v, back, sizeof(back));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, 10u);
  EXPECT_EQ(std::string(back, 10), "abcdefghij");
  EXPECT_EQ(mm.CopyOutToIovecs({{0, 4}}, kMsg, 4).error(), Errno(EFAULT));

  EXPECT_EQ(mm.CopyInIovecs(A, 1025).error(), Errno(EINVAL));
  EXPECT_EQ(mm.CopyInIovecs(A + 4 * P - 8, 1).error(), Errno(EFAULT));
  ErrnoOr<std::vector<IoVec>> none = mm.CopyInIovecs(0, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // iov_len > SSIZE_MAX: EINVAL; a huge total is clipped to MAX_RW_COUNT.
  uint64_t bad[2] = {A, uint64_t{1} << 63};
  ASSERT_TRUE(mm.CopyOut(A, bad, sizeof(bad)).ok());
  EXPECT_EQ(mm.CopyInIovecs(A, 1).error(), Errno(EINVAL));
  uint64_t big[4] = {A, uint64_t{INT_MAX}, A, uint64_t{INT_MAX}};
  ASSERT_TRUE(mm.CopyOut(A, big, sizeof(big)).ok());
  ErrnoOr<std::vector<IoVec>> clipped = mm.CopyInIovecs(A, 2);
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ((*clipped)[0].len + (*clipped)[1].len, uint64_t{INT_MAX} & ~(P - 1));
}

}  // namespace
}  // namespace sentry::mm
