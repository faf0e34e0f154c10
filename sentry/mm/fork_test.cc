// fork_test.cc: MemoryManager::Fork copy-on-write and sharing, with fakes.
#include <linux/mman.h>

#include "gtest/gtest.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/mm/testing/fake_address_space.h"

namespace sentry::mm {
namespace {

using testing::AppAccess;
using testing::AppLoad;
using testing::AppStore;
using testing::FakeAddressSpace;
using testing::FakeMm;

constexpr uint64_t P = kPageSize;
constexpr uint64_t A = 0x30000000;
constexpr int kRW = PROT_READ | PROT_WRITE;

MmapRequest Fixed(uint64_t addr, uint64_t len, int prot, int type) {
  MmapRequest r;
  r.addr = addr;
  r.length = len;
  r.prot = prot;
  r.flags = type | MAP_ANONYMOUS | MAP_FIXED;
  return r;
}

ErrnoResult Store(MemoryManager& mm, FakeAddressSpace& as, MemoryFile& f, uint64_t a,
                  uint8_t v) {
  return AppAccess(mm, as, f, a, true, &v);
}
uint8_t Load(MemoryManager& mm, FakeAddressSpace& as, MemoryFile& f, uint64_t a) {
  uint8_t v = 0xee;
  EXPECT_TRUE(AppAccess(mm, as, f, a, false, &v).ok());
  return v;
}

TEST(ForkTest, PrivateWritesAreInvisibleToTheOtherSideAndPagesAreFreed) {
  FakeMm f;
  const uint64_t baseline = f.file->allocated_pages();
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 4 * P, kRW, MAP_PRIVATE)).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(AppStore(f, A + i * P, 10 + i).ok());
  const uint64_t parent_pages = f.file->allocated_pages();
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  EXPECT_EQ(f.file->allocated_pages(), parent_pages);  // nothing copied yet
  EXPECT_EQ(f.file->RefCount(f.mm->PageOffset(A)), 2u);
  // The parent's writable mappings were downgraded; the child maps nothing.
  EXPECT_EQ(f.as->At(A)->prot, PROT_READ);
  EXPECT_EQ(cas->mapped_pages(), 0u);
  // Child reads share the page (read-only mapping, same offset).
  EXPECT_EQ(Load(*child, *cas, *f.file, A + P), 11);
  EXPECT_EQ(cas->At(A + P)->prot, PROT_READ);
  EXPECT_EQ(cas->mapped_pages(), 4u);  // fault-around mapped the neighbours too
  EXPECT_EQ(cas->At(A + 3 * P)->prot, PROT_READ);
  EXPECT_EQ(child->PageOffset(A + P), f.mm->PageOffset(A + P));
  // Writes on either side are private.
  ASSERT_TRUE(Store(*child, *cas, *f.file, A + P, 99).ok());
  ASSERT_TRUE(AppStore(f, A + 2 * P, 55).ok());
  EXPECT_NE(child->PageOffset(A + P), f.mm->PageOffset(A + P));
  EXPECT_EQ(*AppLoad(f, A + P), 11);
  EXPECT_EQ(Load(*child, *cas, *f.file, A + P), 99);
  EXPECT_EQ(Load(*child, *cas, *f.file, A + 2 * P), 12);
  EXPECT_EQ(*AppLoad(f, A + 2 * P), 55);
  // CopyOut breaks COW too.
  const uint8_t seven = 7;
  ASSERT_TRUE(child->CopyOut(A + 3 * P, &seven, 1).ok());
  EXPECT_EQ(*AppLoad(f, A + 3 * P), 13);
  EXPECT_EQ(Load(*child, *cas, *f.file, A + 3 * P), 7);
  // Page 0: the child never wrote it; once the child is gone the parent's
  // write takes the page over without a copy.
  const int64_t off0 = f.mm->PageOffset(A);
  EXPECT_EQ(f.as->errors(), 0);
  EXPECT_EQ(cas->errors(), 0);
  child.reset();
  EXPECT_EQ(f.file->RefCount(off0), 1u);
  ASSERT_TRUE(AppStore(f, A, 1).ok());
  EXPECT_EQ(f.mm->PageOffset(A), off0);
  EXPECT_EQ(f.as->At(A)->prot, kRW);
  EXPECT_EQ(f.file->allocated_pages(), parent_pages);
  f.mm.reset();
  EXPECT_EQ(f.file->allocated_pages(), baseline);
}

TEST(ForkTest, SharedMappingsStayShared) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 2 * P, kRW, MAP_SHARED)).ok());
  ASSERT_TRUE(AppStore(f, A, 1).ok());
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  EXPECT_EQ(f.as->At(A)->prot, kRW);  // not downgraded
  ASSERT_TRUE(Store(*child, *cas, *f.file, A, 2).ok());
  EXPECT_EQ(cas->At(A)->prot, kRW);
  EXPECT_EQ(*AppLoad(f, A), 2);
  ASSERT_TRUE(AppStore(f, A + P, 3).ok());
  EXPECT_EQ(Load(*child, *cas, *f.file, A + P), 3);
  // MADV_DONTNEED on a shared mapping keeps the data.
  ASSERT_TRUE(child->Madvise(A, 2 * P, MADV_DONTNEED).ok());
  EXPECT_EQ(Load(*child, *cas, *f.file, A + P), 3);
  const uint64_t before = f.file->allocated_pages();
  f.mm.reset();
  EXPECT_EQ(f.file->allocated_pages(), before);  // the child still holds them
  EXPECT_EQ(Load(*child, *cas, *f.file, A), 2);
  child.reset();
  EXPECT_EQ(f.file->allocated_pages(), 0u);
}

TEST(ForkTest, GrandchildrenAndBothSidesWritingFreeEverything) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 8 * P, kRW, MAP_PRIVATE)).ok());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(AppStore(f, A + i * P, i).ok());
  FakeAddressSpace* c1as;
  std::unique_ptr<MemoryManager> c1 = f.Fork(&c1as);
  ASSERT_TRUE(Store(*c1, *c1as, *f.file, A, 100).ok());
  std::unique_ptr<MemoryManager> c2 = c1->Fork(std::make_unique<FakeAddressSpace>());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(AppStore(f, A + i * P, 200 + i).ok());
    ASSERT_TRUE(Store(*c1, *c1as, *f.file, A + i * P, 150 + i).ok());
  }
  uint8_t got;
  ASSERT_TRUE(c2->CopyIn(A, &got, 1).ok());
  EXPECT_EQ(got, 100);
  ASSERT_TRUE(c2->CopyIn(A + 5 * P, &got, 1).ok());
  EXPECT_EQ(got, 5);
  f.mm.reset();
  c2.reset();
  c1.reset();
  EXPECT_EQ(f.file->allocated_pages(), 0u);
}

TEST(ForkTest, SharedAnonymousStaysSharedThroughMremap) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 2 * P, kRW, MAP_SHARED)).ok());
  ASSERT_TRUE(AppStore(f, A + P, 9).ok());
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  // The parent grows (moving it): data and sharing follow, the new part is
  // fresh shared memory.
  ASSERT_TRUE(f.mm->Mmap(Fixed(A + 2 * P, P, PROT_READ, MAP_PRIVATE)).ok());
  ErrnoOr<uint64_t> m = f.mm->Mremap(A, 2 * P, 4 * P, MREMAP_MAYMOVE, 0);
  ASSERT_TRUE(m.ok());
  ASSERT_NE(*m, A);
  EXPECT_EQ(*AppLoad(f, *m + P), 9);
  EXPECT_EQ(*AppLoad(f, *m + 3 * P), 0);
  ASSERT_TRUE(AppStore(f, *m + P, 10).ok());
  EXPECT_EQ(Load(*child, *cas, *f.file, A + P), 10);
  ASSERT_TRUE(AppStore(f, *m + 3 * P, 11).ok());
  child.reset();
  f.mm.reset();
  EXPECT_EQ(f.file->allocated_pages(), 0u);
}

TEST(ForkTest, DontforkAndWipeonfork) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 6 * P, kRW, MAP_PRIVATE)).ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(AppStore(f, A + i * P, 1 + i).ok());
  ASSERT_TRUE(f.mm->Mmap(Fixed(A + 8 * P, P, kRW, MAP_SHARED)).ok());
  EXPECT_EQ(f.mm->Madvise(A + 8 * P, P, MADV_WIPEONFORK).error(), Errno(EINVAL));  // shared
  EXPECT_EQ(f.mm->Madvise(A + 5 * P, 2 * P, MADV_DONTFORK).error(), Errno(ENOMEM));  // hole
  ASSERT_TRUE(f.mm->Madvise(A + 5 * P, 2 * P, MADV_DOFORK).error() == Errno(ENOMEM));
  ASSERT_TRUE(f.mm->Madvise(A + P, P, MADV_DONTFORK).ok());
  ASSERT_TRUE(f.mm->Madvise(A + 3 * P, P, MADV_WIPEONFORK).ok());
  EXPECT_EQ(f.mm->Vmas().size(), 6u);  // split: [0] [1 dontfork] [2] [3 wipe] [4,5] [shared]
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  uint8_t b = 0xee;
  EXPECT_EQ(AppAccess(*child, *cas, *f.file, A + P, false, &b).error(), Errno(EFAULT));
  EXPECT_EQ(Load(*child, *cas, *f.file, A + 2 * P), 3);
  EXPECT_EQ(Load(*child, *cas, *f.file, A + 3 * P), 0);  // wiped
  EXPECT_EQ(*AppLoad(f, A + 3 * P), 4);                    // not in the parent
  EXPECT_EQ(Load(*child, *cas, *f.file, A + 4 * P), 5);
  // Advice off again: the Vmas merge back.
  ASSERT_TRUE(f.mm->Madvise(A, 6 * P, MADV_DOFORK).ok());
  ASSERT_TRUE(f.mm->Madvise(A, 6 * P, MADV_KEEPONFORK).ok());
  EXPECT_EQ(f.mm->Vmas().size(), 2u);
  child.reset();
  f.mm.reset();
  EXPECT_EQ(f.file->allocated_pages(), 0u);
}

}  // namespace
}  // namespace sentry::mm
