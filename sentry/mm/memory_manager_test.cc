// memory_manager_test.cc: HandleFault: population, permissions, growsdown.
#include "sentry/mm/memory_manager.h"

#include <thread>

#include "gtest/gtest.h"
#include "sentry/mm/testing/fake_address_space.h"

namespace sentry::mm {
namespace {

using platform::AccessType;
using testing::AppLoad;
using testing::AppStore;
using testing::FakeAddressSpace;
using testing::FakeMm;

constexpr uint64_t P = kPageSize;
constexpr uint64_t A = 0x40000000;

MmapRequest Fixed(uint64_t addr, uint64_t len, int prot, int extra = 0) {
  MmapRequest r;
  r.addr = addr;
  r.length = len;
  r.prot = prot;
  r.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | extra;
  return r;
}

TEST(HandleFaultTest, PopulatesLazilyAndMapsWithTheVmaProt) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 64 * P, PROT_READ | PROT_WRITE)).ok());
  EXPECT_EQ(f.mm->PopulatedPages(), 0u);
  ASSERT_TRUE(f.mm->HandleFault(A + 20 * P + 5, AccessType::kWrite).ok());
  std::optional<FakeAddressSpace::Mapping> m = f.as->At(A + 20 * P);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->prot, PROT_READ | PROT_WRITE);
  EXPECT_EQ(int64_t(m->offset), f.mm->PageOffset(A + 20 * P));
  // Fault-around: the aligned 16-page block, no more.
  EXPECT_EQ(f.mm->PopulatedPages(), 16u);
  EXPECT_EQ(f.as->mapped_pages(), 16u);
  EXPECT_EQ(f.mm->PageOffset(A + 15 * P), -1);
  EXPECT_NE(f.mm->PageOffset(A + 16 * P), -1);
  EXPECT_EQ(f.mm->PageOffset(A + 32 * P), -1);
  // The next block stops short of already-populated pages.
  ASSERT_TRUE(f.mm->HandleFault(A + 15 * P, AccessType::kRead).ok());
  EXPECT_EQ(f.mm->PopulatedPages(), 32u);
  EXPECT_EQ(f.as->errors(), 0);
}

TEST(HandleFaultTest, MaperrAndAccerr) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, PROT_READ)).ok());
  ASSERT_TRUE(f.mm->Mmap(Fixed(A + P, P, PROT_READ | PROT_EXEC)).ok());
  ASSERT_TRUE(f.mm->Mmap(Fixed(A + 2 * P, P, PROT_NONE)).ok());
  EXPECT_EQ(f.mm->HandleFault(A - 1, AccessType::kRead).error(), Errno(EFAULT));
  EXPECT_EQ(f.mm->HandleFault(A + 3 * P, AccessType::kRead).error(), Errno(EFAULT));
  EXPECT_EQ(f.mm->HandleFault(kTaskSize + P, AccessType::kRead).error(), Errno(EFAULT));
  EXPECT_EQ(f.mm->HandleFault(A, AccessType::kWrite).error(), Errno(EACCES));
  EXPECT_EQ(f.mm->HandleFault(A, AccessType::kExec).error(), Errno(EACCES));
  EXPECT_TRUE(f.mm->HandleFault(A + P, AccessType::kExec).ok());
  EXPECT_EQ(f.mm->HandleFault(A + 2 * P, AccessType::kRead).error(), Errno(EACCES));
  EXPECT_EQ(f.mm->HandleFault(A + 2 * P, AccessType::kUnknown).error(), Errno(EACCES));
  EXPECT_TRUE(f.mm->HandleFault(A, AccessType::kRead).ok());
  EXPECT_EQ(f.as->At(A)->prot, PROT_READ);
}

TEST(HandleFaultTest, GrowsdownStackGrowsOnFaultAndCopy) {
  FakeMm f;
  const uint64_t top = A + 64 * P;
  ASSERT_TRUE(f.mm->Mmap(Fixed(top - 2 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_GROWSDOWN)).ok());
  ASSERT_TRUE(AppStore(f, top - 3 * P + 8, 1).ok());  // just below: grows
  ASSERT_EQ(f.mm->Vmas().size(), 1u);
  EXPECT_EQ(f.mm->Vmas()[0].start, top - 3 * P);
  const uint8_t v = 2;
  ASSERT_TRUE(f.mm->CopyOut(top - 10 * P, &v, 1).ok());
  EXPECT_EQ(f.mm->Vmas()[0].start, top - 10 * P);
  // Not into the guard gap above another mapping.
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, PROT_READ)).ok());
  EXPECT_EQ(f.mm->HandleFault(A + 2 * P, AccessType::kWrite).error(), Errno(EFAULT));
  // PROT_GROWSDOWN extends an mprotect down to the Vma start.
  ASSERT_TRUE(f.mm->Mprotect(top - P, P, PROT_READ | PROT_GROWSDOWN).ok());
  EXPECT_EQ(f.mm->Vmas().back().start, top - 10 * P);
  EXPECT_EQ(f.mm->Vmas().back().prot, PROT_READ);
}

TEST(HandleFaultTest, UnknownAccessOnACowPageResolvesAsWrite) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, P, PROT_READ | PROT_WRITE)).ok());
  ASSERT_TRUE(AppStore(f, A, 1).ok());
  FakeAddressSpace* cas;
  std::unique_ptr<MemoryManager> child = f.Fork(&cas);
  EXPECT_EQ(f.as->At(A)->prot, PROT_READ);
  ASSERT_TRUE(f.mm->HandleFault(A, AccessType::kUnknown).ok());
  EXPECT_EQ(f.as->At(A)->prot, PROT_READ | PROT_WRITE);
  EXPECT_NE(f.mm->PageOffset(A), child->PageOffset(A));
}

TEST(HandleFaultTest, MapPopulateMapsEagerly) {
  FakeMm f;
  ASSERT_TRUE(f.mm->Mmap(Fixed(A, 3 * P, PROT_READ | PROT_WRITE, MAP_POPULATE)).ok());
  EXPECT_EQ(f.mm->PopulatedPages(), 3u);
  EXPECT_EQ(f.as->mapped_pages(), 3u);
}

// Several threads faulting, copying, mapping and forking one manager at
// once: every access sees what it wrote and every page is freed at the end.
TEST(MemoryManagerConcurrencyTest, ParallelFaultsCopiesMunmapsAndForks) {
  FakeMm f;
  auto worker = [&](uint64_t base) {
    for (int round = 0; round < 200; ++round) {
      ErrnoOr<uint64_t> a = f.mm->Mmap(Fixed(base, 8 * P, PROT_READ | PROT_WRITE));
      ASSERT_TRUE(a.ok());
      for (int i = 0; i < 8; ++i) {
        ErrnoResult r = AppStore(f, base + i * P, uint8_t(round + i));
        ASSERT_TRUE(r.ok()) << r.error().value();
      }
      uint64_t v = round;
      ASSERT_TRUE(f.mm->CopyOut(base + 3 * P + 8, &v, 8).ok());
      uint64_t back = 0;
      ASSERT_TRUE(f.mm->CopyIn(base + 3 * P + 8, &back, 8).ok());
      ASSERT_EQ(back, v);
      ASSERT_EQ(*AppLoad(f, base + 5 * P), uint8_t(round + 5));
      ASSERT_TRUE(f.mm->Munmap(base, 8 * P).ok());
    }
  };
  auto forker = [&] {
    for (int round = 0; round < 100; ++round) {
      std::unique_ptr<MemoryManager> c = f.mm->Fork(std::make_unique<FakeAddressSpace>());
      uint8_t b;
      (void)c->CopyIn(A + 5 * P, &b, 1);  // may or may not be mapped right now
      const uint8_t w = 1;
      (void)c->CopyOut(A + 5 * P, &w, 1);  // never visible to the parent
    }
  };
  std::thread t1(worker, A), t2(worker, A + 64 * P), t3(forker);
  t1.join();
  t2.join();
  t3.join();
  EXPECT_EQ(f.as->errors(), 0);
  f.mm.reset();
  EXPECT_EQ(f.file->allocated_pages(), 0u);
}

}  // namespace
}  // namespace sentry::mm
