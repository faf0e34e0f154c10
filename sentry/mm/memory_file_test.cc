// memory_file_test.cc: MemoryFile allocation, reference counts, freeing.
#include "sentry/mm/memory_file.h"

#include <sys/stat.h>

#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sentry::mm {
namespace {

std::unique_ptr<MemoryFile> NewFile(uint64_t size) {
  auto f = MemoryFile::Create(size);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? std::move(*f) : nullptr;
}

// Bytes the host actually holds for the memfd.
uint64_t ResidentBytes(const MemoryFile& f) {
  struct stat st;
  EXPECT_EQ(fstat(f.fd(), &st), 0);
  return uint64_t(st.st_blocks) * 512;
}

TEST(MemoryFileTest, SparseFileOfTheRequestedSize) {
  auto f = NewFile(uint64_t{64} << 30);
  ASSERT_NE(f, nullptr);
  EXPECT_GE(f->fd(), 0);
  EXPECT_EQ(f->size(), uint64_t{64} << 30);
  struct stat st;
  ASSERT_EQ(fstat(f->fd(), &st), 0);
  EXPECT_EQ(uint64_t(st.st_size), uint64_t{64} << 30);
  EXPECT_EQ(ResidentBytes(*f), 0u);
  EXPECT_EQ(f->allocated_pages(), 0u);
}

TEST(MemoryFileTest, AllocateGivesDistinctZeroedPagesWithRefcountOne) {
  auto f = NewFile(1 << 20);
  std::set<uint64_t> seen;
  for (int i = 0; i < 8; ++i) {
    ErrnoOr<uint64_t> off = f->Allocate(2);
    ASSERT_TRUE(off.ok());
    EXPECT_EQ(*off % kPageSize, 0u);
    EXPECT_TRUE(seen.insert(*off).second);
    EXPECT_TRUE(seen.insert(*off + kPageSize).second);
    EXPECT_EQ(f->RefCount(*off), 1u);
    EXPECT_EQ(f->RefCount(*off + kPageSize), 1u);
    for (uint64_t b = 0; b < 2 * kPageSize; ++b) ASSERT_EQ(f->Data(*off)[b], 0);
    std::memset(f->Data(*off), 0xab, 2 * kPageSize);
  }
  EXPECT_EQ(f->allocated_pages(), 16u);
}

TEST(MemoryFileTest, FreedPagesComeBackZeroedAndGoBackToTheHost) {
  auto f = NewFile(1 << 20);
  ErrnoOr<uint64_t> off = f->Allocate(4);
  ASSERT_TRUE(off.ok());
  std::memset(f->Data(*off), 0x5a, 4 * kPageSize);
  EXPECT_GE(ResidentBytes(*f), 4 * kPageSize);
  f->IncRef(*off, 4 * kPageSize);  // shared by two owners
  f->DecRef(*off, 4 * kPageSize);
  EXPECT_EQ(f->RefCount(*off), 1u);
  EXPECT_EQ(f->Data(*off)[0], 0x5a);  // still held by one
  f->DecRef(*off, 4 * kPageSize);
  EXPECT_EQ(f->RefCount(*off), 0u);
  EXPECT_EQ(f->allocated_pages(), 0u);
  EXPECT_EQ(ResidentBytes(*f), 0u);  // punched
  ErrnoOr<uint64_t> again = f->Allocate(4);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *off);  // first fit
  for (uint64_t b = 0; b < 4 * kPageSize; ++b) ASSERT_EQ(f->Data(*again)[b], 0);
}

TEST(MemoryFileTest, FullFileIsEnomemAndFreedRunsCoalesce) {
  auto f = NewFile(8 * kPageSize);
  std::vector<uint64_t> offs;
  for (int i = 0; i < 8; ++i) {
    ErrnoOr<uint64_t> off = f->Allocate(1);
    ASSERT_TRUE(off.ok());
    offs.push_back(*off);
  }
  ErrnoOr<uint64_t> full = f->Allocate(1);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error(), Errno(ENOMEM));
  EXPECT_FALSE(f->Allocate(0).ok());
  EXPECT_FALSE(f->Allocate(9).ok());
  // Free in an order that needs merging on both sides.
  for (int i : {1, 3, 2, 0, 7, 5, 6, 4}) f->DecRef(offs[i], kPageSize);
  EXPECT_EQ(f->allocated_pages(), 0u);
  ErrnoOr<uint64_t> all = f->Allocate(8);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 0u);
}

TEST(MemoryFileTest, ConcurrentAllocateAndFreeKeepCountsExact) {
  auto f = NewFile(16 << 20);
  auto worker = [&] {
    for (int i = 0; i < 2000; ++i) {
      ErrnoOr<uint64_t> off = f->Allocate(1 + i % 3);
      ASSERT_TRUE(off.ok());
      f->Data(*off)[0] = 1;
      f->IncRef(*off, (1 + i % 3) * kPageSize);
      f->DecRef(*off, (1 + i % 3) * kPageSize);
      f->DecRef(*off, (1 + i % 3) * kPageSize);
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(f->allocated_pages(), 0u);
}

}  // namespace
}  // namespace sentry::mm
