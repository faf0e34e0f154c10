// futex_support_test.cc: MemoryManager::FutexKey / AtomicU32 /
// CompareExchangeU32 over a fake address space.
#include <linux/mman.h>

#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/mm/testing/fake_address_space.h"

namespace sentry::mm {
namespace {

using testing::AppLoad;
using testing::AppStore;
using testing::FakeAddressSpace;
using testing::FakeMm;

constexpr uint64_t P = kPageSize;
constexpr uint64_t A = 0x30000000;
constexpr uint64_t B = 0x40000000;
constexpr int kRW = PROT_READ | PROT_WRITE;

MmapRequest Fixed(uint64_t addr, uint64_t len, int prot, int type) {
  MmapRequest r;
  r.addr = addr;
  r.length = len;
  r.prot = prot;
  r.flags = type | MAP_ANONYMOUS | MAP_FIXED;
  return r;
}

uint32_t Read32(MemoryManager& mm, uint64_t a) {
  uint32_t v = 0xdeadbeef;
  EXPECT_TRUE(mm.CopyIn(a, &v, sizeof(v)).ok());
  return v;
}

TEST(FutexKeyTest, PrivateMemoryIsKeyedByAddressWithoutPopulating) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 2 * P, kRW, MAP_PRIVATE)).ok());
  auto k = f.mm->FutexKey(A + 8);
  ASSERT_TRUE(k.ok());
  EXPECT_FALSE(k->shared);
  EXPECT_EQ(k->value, A + 8);
  EXPECT_EQ(f.mm->PopulatedPages(), 0u);
}

TEST(FutexKeyTest, SharedMemoryIsKeyedByFileOffsetAcrossFork) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 2 * P, kRW, MAP_SHARED)).ok());
  auto k = f.mm->FutexKey(A + P + 12);
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->shared);
  EXPECT_EQ(k->value, static_cast<uint64_t>(f.mm->PageOffset(A + P)) + 12);
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  auto ck = child->FutexKey(A + P + 12);
  ASSERT_TRUE(ck.ok());
  EXPECT_TRUE(ck->shared);
  EXPECT_EQ(ck->value, k->value);
  // The same page mapped elsewhere in the child (mremap keeps it shared).
  auto moved = child->Mremap(A, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, B);
  ASSERT_TRUE(moved.ok());
  auto mk = child->FutexKey(B + P + 12);
  ASSERT_TRUE(mk.ok());
  EXPECT_EQ(mk->value, k->value);
}

TEST(FutexKeyTest, Errors) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, PROT_NONE, MAP_PRIVATE)).ok());
  ASSERT_TRUE(f.mm->Mmap(Fixed(B, P, PROT_READ, MAP_SHARED)).ok());
  EXPECT_EQ(f.mm->FutexKey(A + 2).error().value(), EINVAL);
  EXPECT_EQ(f.mm->FutexKey(0).error().value(), EFAULT);
  EXPECT_EQ(f.mm->FutexKey(A).error().value(), EFAULT);  // PROT_NONE
  EXPECT_EQ(f.mm->FutexKey(kTaskSize).error().value(), EFAULT);
  EXPECT_EQ(f.mm->FutexKey(A + 16 * P).error().value(), EFAULT);  // no Vma
  auto k = f.mm->FutexKey(B);  // read-only shared memory is fine
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->shared);
}

TEST(AtomicU32Test, UpdatesAndReturnsOld) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, kRW, MAP_PRIVATE)).ok());
  uint32_t v = 41;
  ASSERT_TRUE(f.mm->CopyOut(A + 4, &v, sizeof(v)).ok());
  auto old = f.mm->AtomicU32(A + 4, [](uint32_t o) -> std::optional<uint32_t> { return o + 1; });
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, 41u);
  EXPECT_EQ(Read32(*f.mm, A + 4), 42u);
  // No value: no store.
  old = f.mm->AtomicU32(A + 4, [](uint32_t) -> std::optional<uint32_t> { return std::nullopt; });
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, 42u);
  EXPECT_EQ(Read32(*f.mm, A + 4), 42u);
  // An untouched page is populated (reads zero).
  old = f.mm->AtomicU32(A + 100, [](uint32_t o) -> std::optional<uint32_t> { return o | 5; });
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, 0u);
  EXPECT_EQ(Read32(*f.mm, A + 100), 5u);
}

TEST(AtomicU32Test, CompareExchange) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, kRW, MAP_PRIVATE)).ok());
  auto r = f.mm->CompareExchangeU32(A, 1, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0u);
  EXPECT_EQ(Read32(*f.mm, A), 0u);
  r = f.mm->CompareExchangeU32(A, 0, 7);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0u);
  EXPECT_EQ(Read32(*f.mm, A), 7u);
}

TEST(AtomicU32Test, HonoursPermissions) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, PROT_READ, MAP_PRIVATE)).ok());
  ASSERT_TRUE(f.mm->Mmap(Fixed(B, P, PROT_READ, MAP_SHARED)).ok());
  auto inc = [](uint32_t o) -> std::optional<uint32_t> { return o + 1; };
  EXPECT_EQ(f.mm->AtomicU32(A, inc).error().value(), EFAULT);
  EXPECT_EQ(f.mm->AtomicU32(B, inc).error().value(), EFAULT);
  EXPECT_EQ(f.mm->AtomicU32(0, inc).error().value(), EFAULT);
  EXPECT_EQ(f.mm->AtomicU32(A + 1, inc).error().value(), EINVAL);
  EXPECT_EQ(f.mm->CompareExchangeU32(kTaskSize, 0, 1).error().value(), EFAULT);
  EXPECT_EQ(Read32(*f.mm, A), 0u);
}

TEST(AtomicU32Test, BreaksCopyOnWrite) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, kRW, MAP_PRIVATE)).ok());
  ASSERT_TRUE(AppStore(f, A, 3).ok());
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  auto r = child->CompareExchangeU32(A, 3, 9);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 3u);
  EXPECT_EQ(Read32(*child, A), 9u);
  EXPECT_EQ(Read32(*f.mm, A), 3u);  // the parent's copy is untouched
  EXPECT_NE(child->PageOffset(A), f.mm->PageOffset(A));
  // Through the parent's (app) mapping too.
  auto v = AppLoad(f, A);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 3);
}

TEST(AtomicU32Test, SharedMemoryIsSeenByTheForkChild) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, kRW, MAP_SHARED)).ok());
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  ASSERT_TRUE(child->AtomicU32(A, [](uint32_t) -> std::optional<uint32_t> { return 77; }).ok());
  EXPECT_EQ(Read32(*f.mm, A), 77u);
}

TEST(AtomicU32Test, ConcurrentIncrementsAreAtomic) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, kRW, MAP_SHARED)).ok());
  // One side through the MemoryManager, the other like an app thread
  // doing atomic increments on the same file page.
  auto* direct = reinterpret_cast<uint32_t*>(f.file->Data(f.mm->PageOffset(A)));
  constexpr int kN = 20000;
  std::thread app([&] {
    for (int i = 0; i < kN; ++i) __atomic_fetch_add(direct, 1, __ATOMIC_SEQ_CST);
  });
  for (int i = 0; i < kN; ++i) {
    ASSERT_TRUE(
        f.mm->AtomicU32(A, [](uint32_t o) -> std::optional<uint32_t> { return o + 1; }).ok());
  }
  app.join();
  EXPECT_EQ(Read32(*f.mm, A), 2u * kN);
}

}  // namespace
}  // namespace sentry::mm
