// mmap_test.cc: MemoryManager mmap/munmap/mprotect/mremap/brk/madvise/
// mincore/msync against a FakeAddressSpace: every errno case and the VMA
// splitting/merging they cause.
#include <linux/mman.h>

#include "gtest/gtest.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/mm/testing/fake_address_space.h"

namespace sentry::mm {
namespace {

using testing::AppLoad;
using testing::AppStore;
using testing::FakeMm;

constexpr int kRW = PROT_READ | PROT_WRITE;
constexpr int kAnon = MAP_PRIVATE | MAP_ANONYMOUS;
constexpr uint64_t P = kPageSize;

MmapRequest Req(uint64_t addr, uint64_t len, int prot = kRW, int flags = kAnon) {
  MmapRequest r;
  r.addr = addr;
  r.length = len;
  r.prot = prot;
  r.flags = flags;
  return r;
}

template <class T>
Errno Err(const ErrnoOr<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? Errno(0) : r.error();
}
Errno Err(const ErrnoResult& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? Errno(0) : r.error();
}

struct Range {
  uint64_t start, end;
  int prot;
  bool operator==(const Range&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Range& r) {
  return os << std::hex << "[" << r.start << "," << r.end << ")" << std::dec << " prot " << r.prot;
}
std::vector<Range> Layout(MemoryManager& mm) {
  std::vector<Range> out;
  for (const Vma& v : mm.Vmas()) out.push_back({v.start, v.end, v.prot});
  return out;
}

constexpr uint64_t A = 0x10000000;  // a fixed address used throughout

TEST(MmapTest, ArgumentErrors) {
  FakeMm f;
  auto& mm = *f.mm;
  EXPECT_EQ(Err(mm.Mmap(Req(0, 0))), Errno(EINVAL));                         // len 0
  EXPECT_EQ(Err(mm.Mmap(Req(0, P, kRW, MAP_ANONYMOUS))), Errno(EINVAL));     // no type
  // Linux (checked on 6.18) validates flags only for file mappings:
  // anonymous MAP_SHARED_VALIDATE is EINVAL, with or without unknown flags.
  EXPECT_EQ(Err(mm.Mmap(Req(0, P, kRW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_SYNC))),
            Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mmap(Req(0, P, kRW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS))), Errno(EINVAL));
  MmapRequest off = Req(0, P);
  off.offset = 100;
  EXPECT_EQ(Err(mm.Mmap(off)), Errno(EINVAL));                                // unaligned offset
  EXPECT_EQ(Err(mm.Mmap(Req(0, ~uint64_t{0} - 10))), Errno(ENOMEM));         // PAGE_ALIGN overflow
  EXPECT_EQ(Err(mm.Mmap(Req(0, uint64_t{1} << 47))), Errno(ENOMEM));         // too big to place
  EXPECT_EQ(Err(mm.Mmap(Req(A + 1, P, kRW, kAnon | MAP_FIXED))), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mmap(Req(0x1000, P, kRW, kAnon | MAP_FIXED))), Errno(EPERM));  // < mmap_min_addr
  EXPECT_EQ(Err(mm.Mmap(Req(0x7fc000000000 - P, 2 * P, kRW, kAnon | MAP_FIXED))), Errno(ENOMEM));
  EXPECT_EQ(Err(mm.Mmap(Req(0, P, kRW, MAP_PRIVATE))), Errno(EBADF));       // file mapping, no file
  EXPECT_TRUE(mm.Vmas().empty());
}

TEST(MmapTest, PlacementTopDownBelowBaseHintAndFixed) {
  FakeMm f;
  auto& mm = *f.mm;
  const uint64_t base = mm.options().mmap_base;
  ErrnoOr<uint64_t> a = mm.Mmap(Req(0, 3 * P));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, base - 3 * P);
  ErrnoOr<uint64_t> b = mm.Mmap(Req(0, P, PROT_READ));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, *a - P);
  // A free hint is honoured (rounded up to a page); a busy one is not.
  ErrnoOr<uint64_t> h = mm.Mmap(Req(A + 5, P));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, A + P);
  ErrnoOr<uint64_t> h2 = mm.Mmap(Req(A + P, P));
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(*h2, A + P);
  EXPECT_LT(*h2, base);
  // MAP_32BIT lands in [1 GiB, 2 GiB).
  ErrnoOr<uint64_t> lo = mm.Mmap(Req(0, P, kRW, kAnon | MAP_32BIT));
  ASSERT_TRUE(lo.ok());
  EXPECT_GE(*lo, 0x40000000u);
  EXPECT_LT(*lo, 0x80000000u);
  // No page was populated by any of this.
  EXPECT_EQ(mm.PopulatedPages(), 0u);
  EXPECT_EQ(f.as->mapped_pages(), 0u);
}

TEST(MmapTest, FixedReplacesAndFixedNoreplaceIsEexist) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Req(A, 4 * P, kRW, kAnon | MAP_FIXED)).ok());
  ASSERT_TRUE(AppStore(f, A + P, 42).ok());
  ASSERT_TRUE(AppStore(f, A + 3 * P, 43).ok());
  EXPECT_EQ(Err(mm.Mmap(Req(A + 3 * P, 2 * P, kRW, kAnon | MAP_FIXED_NOREPLACE))), Errno(EEXIST));
  EXPECT_EQ(Err(mm.Mmap(Req(A + 3 * P, 2 * P, kRW, kAnon | MAP_FIXED | MAP_FIXED_NOREPLACE))),
            Errno(EEXIST));
  ErrnoOr<uint64_t> nr = mm.Mmap(Req(A + 4 * P, P, PROT_READ, kAnon | MAP_FIXED_NOREPLACE));
  ASSERT_TRUE(nr.ok());
  EXPECT_EQ(*nr, A + 4 * P);
  // MAP_FIXED over the middle: fresh zero page there, the rest untouched.
  ErrnoOr<uint64_t> fx = mm.Mmap(Req(A + P, P, PROT_READ, kAnon | MAP_FIXED));
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(*AppLoad(f, A + P), 0);
  EXPECT_EQ(*AppLoad(f, A + 3 * P), 43);
  EXPECT_EQ(Layout(mm), (std::vector<Range>{{A, A + P, kRW},
                                           {A + P, A + 2 * P, PROT_READ},
                                           {A + 2 * P, A + 4 * P, kRW},
                                           {A + 4 * P, A + 5 * P, PROT_READ}}));
  EXPECT_EQ(f.as->errors(), 0);
}

TEST(MmapTest, MunmapSplitsDropsPagesAndChecksArgs) {
  FakeMm f;
  auto& mm = *f.mm;
  EXPECT_EQ(Err(mm.Munmap(A + 1, P)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Munmap(A, 0)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Munmap(kTaskSize - P, 2 * P)), Errno(EINVAL));
  EXPECT_TRUE(mm.Munmap(A, P).ok());  // nothing there: fine
  const uint64_t base_pages = f.file->allocated_pages();
  ASSERT_TRUE(mm.Mmap(Req(A, 8 * P, kRW, kAnon | MAP_FIXED)).ok());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(AppStore(f, A + i * P, i + 1).ok());
  ASSERT_TRUE(mm.Munmap(A + 2 * P, 3 * P - 100).ok());  // len rounds up
  EXPECT_EQ(Layout(mm), (std::vector<Range>{{A, A + 2 * P, kRW}, {A + 5 * P, A + 8 * P, kRW}}));
  EXPECT_FALSE(f.as->At(A + 3 * P).has_value());  // gone from the app
  EXPECT_EQ(Err(AppLoad(f, A + 3 * P)), Errno(EFAULT));
  EXPECT_EQ(*AppLoad(f, A + 5 * P), 6);
  EXPECT_EQ(mm.PopulatedPages(), 5u);
  ASSERT_TRUE(mm.Munmap(A, 8 * P).ok());
  EXPECT_TRUE(mm.Vmas().empty());
  EXPECT_EQ(f.file->allocated_pages(), base_pages);
  EXPECT_EQ(f.as->mapped_pages(), 0u);
}

TEST(MmapTest, MprotectErrnosSplitsAndMerges) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Req(A, 4 * P, kRW, kAnon | MAP_FIXED)).ok());
  EXPECT_EQ(Err(mm.Mprotect(A + 1, P, PROT_READ)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mprotect(A, P, 0x100)), Errno(EINVAL));  // unknown bit
  EXPECT_EQ(Err(mm.Mprotect(A, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mprotect(A, P, PROT_READ | PROT_GROWSDOWN)), Errno(EINVAL));  // not growsdown
  EXPECT_EQ(Err(mm.Mprotect(A, ~uint64_t{0} - A, PROT_READ)), Errno(ENOMEM));  // wraps
  EXPECT_EQ(Err(mm.Mprotect(A - P, 2 * P, PROT_READ)), Errno(ENOMEM));  // starts in a hole
  EXPECT_TRUE(mm.Mprotect(A, 0, PROT_READ).ok());
  // Populate, then protect the middle: split into three, pages re-protected.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(AppStore(f, A + i * P, 1).ok());
  ASSERT_TRUE(mm.Mprotect(A + P, 2 * P, PROT_READ).ok());
  EXPECT_EQ(Layout(mm), (std::vector<Range>{{A, A + P, kRW},
                                           {A + P, A + 3 * P, PROT_READ},
                                           {A + 3 * P, A + 4 * P, kRW}}));
  EXPECT_EQ(f.as->At(A + P)->prot, PROT_READ);
  EXPECT_EQ(f.as->At(A)->prot, kRW);
  EXPECT_EQ(Err(AppStore(f, A + 2 * P, 9)), Errno(EACCES));
  EXPECT_EQ(*AppLoad(f, A + 2 * P), 1);
  // Back to RW: merged into one again.
  ASSERT_TRUE(mm.Mprotect(A + P, 2 * P, kRW).ok());
  EXPECT_EQ(Layout(mm), (std::vector<Range>{{A, A + 4 * P, kRW}}));
  EXPECT_TRUE(AppStore(f, A + 2 * P, 9).ok());
  // A range running into a hole: applied up to the hole, then ENOMEM.
  ASSERT_TRUE(mm.Mmap(Req(A + 5 * P, P, kRW, kAnon | MAP_FIXED)).ok());
  EXPECT_EQ(Err(mm.Mprotect(A + 3 * P, 3 * P, PROT_NONE)), Errno(ENOMEM));
  EXPECT_EQ(Layout(mm), (std::vector<Range>{{A, A + 3 * P, kRW},
                                           {A + 3 * P, A + 4 * P, PROT_NONE},
                                           {A + 5 * P, A + 6 * P, kRW}}));
  EXPECT_EQ(Err(AppLoad(f, A + 3 * P)), Errno(EACCES));
  EXPECT_EQ(f.as->errors(), 0);
}

class FakeFile : public MappableFile {
 public:
  ErrnoResult ReadPage(uint64_t offset, uint8_t* dst) override {
    if (offset >= 4 * P) return Errno(EFAULT);
    std::memset(dst, static_cast<int>(offset / P) + 'a', P);
    return {};
  }
  ErrnoOr<uint64_t> SharedPage(uint64_t) override { return Errno(EIO); }
  std::string Name() const override { return "/fake"; }
};

TEST(MmapTest, MprotectBeyondMaxProtIsEaccesAndFilePagesAreRead) {
  FakeMm f;
  auto& mm = *f.mm;
  MmapRequest r = Req(A, 8 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED);
  r.file = std::make_shared<FakeFile>();
  r.offset = P;
  r.max_prot = PROT_READ;  // e.g. a read-only fd mapped shared
  EXPECT_EQ(Err(mm.Mmap(Req(A, P, kRW, MAP_PRIVATE | MAP_FIXED))), Errno(EBADF));
  MmapRequest too_much = r;
  too_much.prot = kRW;
  EXPECT_EQ(Err(mm.Mmap(too_much)), Errno(EACCES));
  ASSERT_TRUE(mm.Mmap(r).ok());
  EXPECT_EQ(Err(mm.Mprotect(A, P, kRW)), Errno(EACCES));
  EXPECT_EQ(*AppLoad(f, A), 'b');  // file page 1
  EXPECT_EQ(*AppLoad(f, A + 2 * P), 'd');
  EXPECT_EQ(Err(AppLoad(f, A + 3 * P)), Errno(EIO));  // past EOF: SIGBUS
}

TEST(MmapTest, MremapErrnos) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Req(A, 4 * P, kRW, kAnon | MAP_FIXED)).ok());
  EXPECT_EQ(Err(mm.Mremap(A, P, 2 * P, 0x80, 0)), Errno(EINVAL));            // bad flag
  EXPECT_EQ(Err(mm.Mremap(A, P, 2 * P, MREMAP_FIXED, A + 8 * P)), Errno(EINVAL));  // FIXED w/o MAYMOVE
  EXPECT_EQ(Err(mm.Mremap(A + 1, P, 2 * P, 0, 0)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mremap(A, P, 0, 0, 0)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mremap(A, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mremap(A, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A + P)),
            Errno(EINVAL));  // overlapping
  EXPECT_EQ(Err(mm.Mremap(A, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, A + 8 * P + 1)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mremap(A + 8 * P, P, 2 * P, 0, 0)), Errno(EFAULT));     // nothing there
  EXPECT_EQ(Err(mm.Mremap(A, 5 * P, 6 * P, MREMAP_MAYMOVE, 0)), Errno(EFAULT));  // past the Vma
  // Growing in place blocked by a neighbour and no MAYMOVE: ENOMEM.
  ASSERT_TRUE(mm.Mmap(Req(A + 4 * P, P, PROT_READ, kAnon | MAP_FIXED)).ok());
  EXPECT_EQ(Err(mm.Mremap(A, 4 * P, 5 * P, 0, 0)), Errno(ENOMEM));
}

TEST(MmapTest, MremapShrinkGrowInPlaceAndMovePreserveContents) {
  FakeMm f;
  auto& mm = *f.mm;
  const uint64_t baseline = f.file->allocated_pages();
  ASSERT_TRUE(mm.Mmap(Req(A, 4 * P, kRW, kAnon | MAP_FIXED)).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(AppStore(f, A + i * P + 7, 10 + i).ok());
  // Shrink.
  ErrnoOr<uint64_t> s = mm.Mremap(A, 4 * P, 3 * P, 0, 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, A);
  EXPECT_EQ(Layout(mm), (std::vector<Range>{{A, A + 3 * P, kRW}}));
  EXPECT_EQ(Err(AppLoad(f, A + 3 * P)), Errno(EFAULT));
  // Grow in place (the space above is free).
  ErrnoOr<uint64_t> g = mm.Mremap(A, 3 * P, 6 * P, 0, 0);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, A);
  EXPECT_EQ(Layout(mm), (std::vector<Range>{{A, A + 6 * P, kRW}}));
  EXPECT_EQ(*AppLoad(f, A + 3 * P + 7), 0);  // new part is zero, not the old page
  EXPECT_EQ(*AppLoad(f, A + 2 * P + 7), 12);
  // Blocked above: MAYMOVE moves it, contents follow, the old range is gone.
  ASSERT_TRUE(mm.Mmap(Req(A + 6 * P, P, PROT_READ, kAnon | MAP_FIXED)).ok());
  ErrnoOr<uint64_t> m = mm.Mremap(A, 6 * P, 10 * P, MREMAP_MAYMOVE, 0);
  ASSERT_TRUE(m.ok());
  ASSERT_NE(*m, A);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*AppLoad(f, *m + i * P + 7), 10 + i);
  EXPECT_EQ(*AppLoad(f, *m + 9 * P), 0);
  EXPECT_EQ(Err(AppLoad(f, A)), Errno(EFAULT));
  EXPECT_FALSE(f.as->At(A).has_value());
  // MREMAP_FIXED to a chosen address, replacing what is there, and smaller.
  ASSERT_TRUE(mm.Mmap(Req(A + 20 * P, 2 * P, PROT_READ, kAnon | MAP_FIXED)).ok());
  ErrnoOr<uint64_t> fx = mm.Mremap(*m, 10 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A + 20 * P);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(*fx, A + 20 * P);
  EXPECT_EQ(*AppLoad(f, A + 21 * P + 7), 11);
  EXPECT_EQ(Err(AppLoad(f, A + 22 * P)), Errno(EFAULT));
  ASSERT_TRUE(AppStore(f, A + 21 * P, 1).ok());  // still writable: prot carried over
  EXPECT_EQ(f.as->errors(), 0);
  ASSERT_TRUE(mm.Munmap(A, 64 * P).ok());
  ASSERT_TRUE(mm.Munmap(*m, 10 * P).ok());
  EXPECT_EQ(f.file->allocated_pages(), baseline);
}

TEST(MmapTest, MremapDontunmapLeavesZeroedOldRange) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Req(A, 2 * P, kRW, kAnon | MAP_FIXED)).ok());
  ASSERT_TRUE(AppStore(f, A, 5).ok());
  ErrnoOr<uint64_t> m = mm.Mremap(A, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*AppLoad(f, *m), 5);
  EXPECT_NE(*m, A);
  EXPECT_EQ(*AppLoad(f, A), 0);
  ASSERT_TRUE(mm.Mmap(Req(A + 8 * P, P, kRW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED)).ok());
  EXPECT_EQ(Err(mm.Mremap(A + 8 * P, P, P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0)), Errno(EINVAL));
}

TEST(MmapTest, BrkBounds) {
  FakeMm f;
  auto& mm = *f.mm;
  const uint64_t base = A + 0x123;  // the end of a (fake) bss
  mm.SetBrkBase(base);
  const uint64_t rlimit = 16 * P;
  EXPECT_EQ(mm.Brk(0, rlimit), base);
  EXPECT_EQ(mm.Brk(base - 1, rlimit), base);               // below the base: no change
  EXPECT_EQ(mm.Brk(base + rlimit + 1, rlimit), base);      // past RLIMIT_DATA
  EXPECT_EQ(mm.Brk(base + 2 * P, rlimit), base + 2 * P);  // grow
  EXPECT_EQ(mm.brk(), base + 2 * P);
  ASSERT_EQ(mm.Vmas().size(), 1u);
  EXPECT_EQ(mm.Vmas()[0].name, "[heap]");
  EXPECT_EQ(mm.Vmas()[0].start, A + P);
  EXPECT_EQ(mm.Vmas()[0].end, A + 3 * P);
  ASSERT_TRUE(AppStore(f, base + 2 * P - 1, 3).ok());
  EXPECT_EQ(mm.Brk(base + 5 * P, rlimit), base + 5 * P);  // grows, one Vma
  EXPECT_EQ(mm.Vmas().size(), 1u);
  // Blocked by a mapping: unchanged.
  ASSERT_TRUE(mm.Mmap(Req(A + 10 * P, P, kRW, kAnon | MAP_FIXED)).ok());
  EXPECT_EQ(mm.Brk(base + 12 * P, rlimit), base + 5 * P);
  // Shrink: pages above go away.
  EXPECT_EQ(mm.Brk(base + P, rlimit), base + P);
  EXPECT_EQ(Err(AppLoad(f, base + 2 * P)), Errno(EFAULT));
  EXPECT_EQ(*AppLoad(f, base + P - 1), 0);
  // Grow again: fresh zeroes where the old data was.
  EXPECT_EQ(mm.Brk(base + 3 * P, rlimit), base + 3 * P);
  EXPECT_EQ(*AppLoad(f, base + 2 * P - 1), 0);
}

TEST(MmapTest, MadviseDontneedZeroesPrivateKeepsShared) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Req(A, 2 * P, kRW, kAnon | MAP_FIXED)).ok());
  ASSERT_TRUE(mm.Mmap(Req(A + 2 * P, 2 * P, kRW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED)).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(AppStore(f, A + i * P, 7).ok());
  EXPECT_EQ(Err(mm.Madvise(A + 1, P, MADV_DONTNEED)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Madvise(A, P, 12345)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Madvise(A, P, 100 /* MADV_HWPOISON */)), Errno(EPERM));
  EXPECT_EQ(Err(mm.Madvise(A, ~uint64_t{0} - 5, MADV_NORMAL)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Madvise(A + 2 * P, P, MADV_FREE)), Errno(EINVAL));  // shared
  EXPECT_EQ(Err(mm.Madvise(A, P, MADV_REMOVE)), Errno(EINVAL));        // private
  EXPECT_TRUE(mm.Madvise(A, 4 * P, MADV_WILLNEED).ok());
  ASSERT_TRUE(mm.Madvise(A, 4 * P, MADV_DONTNEED).ok());
  EXPECT_EQ(*AppLoad(f, A), 0);
  EXPECT_EQ(*AppLoad(f, A + P), 0);
  EXPECT_EQ(*AppLoad(f, A + 2 * P), 7);
  EXPECT_EQ(*AppLoad(f, A + 3 * P), 7);
  // A hole in the range: ENOMEM, after applying to what is mapped.
  ASSERT_TRUE(AppStore(f, A, 8).ok());
  EXPECT_EQ(Err(mm.Madvise(A, 6 * P, MADV_DONTNEED)), Errno(ENOMEM));
  EXPECT_EQ(*AppLoad(f, A), 0);
  EXPECT_EQ(Err(mm.Madvise(A - 2 * P, P, MADV_NORMAL)), Errno(ENOMEM));
  EXPECT_EQ(f.as->errors(), 0);
}

TEST(MmapTest, MincoreAndMsync) {
  FakeMm f;
  auto& mm = *f.mm;
  ASSERT_TRUE(mm.Mmap(Req(A, 4 * P, kRW, kAnon | MAP_FIXED)).ok());
  ASSERT_TRUE(mm.Mmap(Req(A + 8 * P, P, PROT_READ, kAnon | MAP_FIXED)).ok());
  ASSERT_TRUE(AppStore(f, A + 2 * P, 1).ok());
  const uint64_t vec = A + 3 * P + 100;  // the vector lives in app memory too
  EXPECT_EQ(Err(mm.Mincore(A + 1, P, vec)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Mincore(A, 5 * P, vec)), Errno(ENOMEM));  // hole
  EXPECT_EQ(Err(mm.Mincore(A, P, A + 8 * P)), Errno(EFAULT));  // read-only vec
  EXPECT_EQ(Err(mm.Mincore(A, P, 0)), Errno(EFAULT));
  ASSERT_TRUE(mm.Mincore(A, 3 * P - 1, vec).ok());
  uint8_t got[3];
  ASSERT_TRUE(mm.CopyIn(vec, got, 3).ok());
  // Page 2 was written; fault-around may populate neighbours too, but the
  // answer must agree with PageOffset.
  EXPECT_EQ(got[2], 1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[i], mm.PageOffset(A + i * P) >= 0 ? 1 : 0);

  EXPECT_EQ(Err(mm.Msync(A, P, MS_SYNC | MS_ASYNC)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Msync(A, P, 8)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Msync(A + 1, P, MS_SYNC)), Errno(EINVAL));
  EXPECT_EQ(Err(mm.Msync(A, 5 * P, MS_SYNC)), Errno(ENOMEM));
  EXPECT_EQ(Err(mm.Msync(A, ~uint64_t{0} - A, MS_SYNC)), Errno(ENOMEM));
  EXPECT_TRUE(mm.Msync(A, 4 * P, MS_SYNC).ok());
  EXPECT_TRUE(mm.Msync(A, 0, MS_ASYNC).ok());
}

}  // namespace
}  // namespace sentry::mm
