// Memory: anonymous mmap/munmap/mprotect/mremap/madvise/mincore/msync/brk,
// mlock, and faults (SIGSEGV si_code/si_addr).
#include <setjmp.h>
#include <sys/mman.h>

#include <atomic>
#include <thread>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

const size_t kPage = sysconf(_SC_PAGESIZE);

char* Map(size_t len, int prot = PROT_READ | PROT_WRITE, int flags = MAP_PRIVATE | MAP_ANONYMOUS) {
  void* p = mmap(nullptr, len, prot, flags, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
}

// Fault catcher: runs fn in a child and reports the SIGSEGV/SIGBUS info.
struct FaultInfo {
  int sig = 0;
  int code = 0;
  uintptr_t addr = 0;
};

FaultInfo* g_fault;
sigjmp_buf g_jmp;

void FaultHandler(int sig, siginfo_t* si, void*) {
  g_fault->sig = sig;
  g_fault->code = si->si_code;
  g_fault->addr = reinterpret_cast<uintptr_t>(si->si_addr);
  siglongjmp(g_jmp, 1);
}

// Returns true if fn faulted; fills info.
template <typename F>
bool CatchFault(F fn, FaultInfo* info) {
  g_fault = info;
  struct sigaction sa, old_segv, old_bus;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = FaultHandler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  bool faulted = false;
  if (sigsetjmp(g_jmp, 1) == 0) {
    fn();
  } else {
    faulted = true;
  }
  sigaction(SIGSEGV, &old_segv, nullptr);
  sigaction(SIGBUS, &old_bus, nullptr);
  return faulted;
}

TEST(Mmap, AnonymousIsZeroFilled) {
  char* p = Map(4 * kPage);
  ASSERT_NE(p, nullptr);
  for (size_t i = 0; i < 4 * kPage; i++) ASSERT_EQ(p[i], 0);
  EXPECT_EQ(munmap(p, 4 * kPage), 0);
}

TEST(Mmap, ReturnsPageAligned) {
  char* p = Map(100);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kPage, 0u);
  munmap(p, 100);
}

TEST(Mmap, ZeroLengthEinval) {
  EXPECT_EQ(mmap(nullptr, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Mmap, NeitherSharedNorPrivateEinval) {
  EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_ANONYMOUS, -1, 0), MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Mmap, UnalignedFixedEinval) {
  EXPECT_EQ(mmap(reinterpret_cast<void*>(0x10000001), kPage, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
            MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Mmap, BadFdForFileMappingEbadf) {
  EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, -1, 0), MAP_FAILED);
  EXPECT_EQ(errno, EBADF);
}

TEST(Mmap, HugeLengthEnomem) {
  EXPECT_EQ(mmap(nullptr, (size_t)1 << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
  EXPECT_EQ(errno, ENOMEM);
}

TEST(Mmap, FixedReplacesExisting) {
  char* p = Map(2 * kPage);
  ASSERT_NE(p, nullptr);
  p[0] = 'a';
  p[kPage] = 'b';
  void* q = mmap(p, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  ASSERT_EQ(q, p);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[kPage], 'b');
  munmap(p, 2 * kPage);
}

TEST(Mmap, FixedNoreplaceEexist) {
  char* p = Map(kPage);
  ASSERT_NE(p, nullptr);
  void* q = mmap(p, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  EXPECT_EQ(q, MAP_FAILED);
  EXPECT_EQ(errno, EEXIST);
  munmap(p, kPage);
}

TEST(Mmap, HintIsUsedWhenFree) {
  char* p = Map(kPage);
  ASSERT_NE(p, nullptr);
  munmap(p, kPage);
  void* q = mmap(p, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  EXPECT_EQ(q, p);
  munmap(q, kPage);
}

TEST(Mmap, PrivateNotSharedWithChild) {
  char* p = Map(kPage);
  ASSERT_NE(p, nullptr);
  p[0] = 1;
  int st = RunInChild([&] {
    p[0] = 2;
    return 0;
  });
  ASSERT_TRUE(ExitedOk(st));
  EXPECT_EQ(p[0], 1);
  munmap(p, kPage);
}

TEST(Mmap, SharedAnonymousVisibleToChild) {
  char* p = Map(kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
  ASSERT_NE(p, nullptr);
  int st = RunInChild([&] {
    p[10] = 42;
    return 0;
  });
  ASSERT_TRUE(ExitedOk(st));
  EXPECT_EQ(p[10], 42);
  munmap(p, kPage);
}

TEST(Mmap, SharedValidateAnonymousEinval) {
  void* q = mmap(nullptr, kPage, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
  EXPECT_EQ(q, MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Mmap, MunmapThenAccessSegvMaperr) {
  char* p = Map(kPage);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(munmap(p, kPage), 0);
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { *(volatile char*)p = 1; }, &fi));
  EXPECT_EQ(fi.sig, SIGSEGV);
  EXPECT_EQ(fi.code, SEGV_MAPERR);
  EXPECT_EQ(fi.addr, reinterpret_cast<uintptr_t>(p));
}

TEST(Mmap, MunmapUnalignedEinval) {
  char* p = Map(kPage);
  EXPECT_ERRNO(munmap(p + 1, kPage), EINVAL);
  EXPECT_ERRNO(munmap(p, 0), EINVAL);
  munmap(p, kPage);
}

TEST(Mmap, MunmapUnmappedRangeOk) {
  char* p = Map(kPage);
  munmap(p, kPage);
  EXPECT_EQ(munmap(p, kPage), 0);
}

TEST(Mmap, MunmapMiddleSplitsMapping) {
  char* p = Map(3 * kPage);
  ASSERT_NE(p, nullptr);
  p[0] = 1;
  p[2 * kPage] = 3;
  ASSERT_EQ(munmap(p + kPage, kPage), 0);
  EXPECT_EQ(p[0], 1);
  EXPECT_EQ(p[2 * kPage], 3);
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile char*)(p + kPage); }, &fi));
  munmap(p, 3 * kPage);
}

TEST(Mmap, ProtNoneAccessSegvAccerr) {
  char* p = Map(kPage, PROT_NONE);
  ASSERT_NE(p, nullptr);
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile char*)p; }, &fi));
  EXPECT_EQ(fi.sig, SIGSEGV);
  EXPECT_EQ(fi.code, SEGV_ACCERR);
  EXPECT_EQ(fi.addr, reinterpret_cast<uintptr_t>(p));
  munmap(p, kPage);
}

TEST(Mmap, WriteToReadOnlySegvAccerr) {
  char* p = Map(kPage, PROT_READ);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p[5], 0);  // readable
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { *(volatile char*)(p + 5) = 1; }, &fi));
  EXPECT_EQ(fi.code, SEGV_ACCERR);
  EXPECT_EQ(fi.addr, reinterpret_cast<uintptr_t>(p + 5));
  munmap(p, kPage);
}

TEST(Mmap, MprotectMakesWritable) {
  char* p = Map(kPage, PROT_READ);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(mprotect(p, kPage, PROT_READ | PROT_WRITE), 0);
  p[0] = 9;
  EXPECT_EQ(p[0], 9);
  munmap(p, kPage);
}

TEST(Mmap, MprotectRevokesWrite) {
  char* p = Map(kPage);
  ASSERT_NE(p, nullptr);
  p[0] = 7;
  ASSERT_EQ(mprotect(p, kPage, PROT_READ), 0);
  EXPECT_EQ(p[0], 7);
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { *(volatile char*)p = 1; }, &fi));
  EXPECT_EQ(fi.code, SEGV_ACCERR);
  munmap(p, kPage);
}

TEST(Mmap, MprotectPartialRange) {
  char* p = Map(2 * kPage);
  ASSERT_EQ(mprotect(p + kPage, kPage, PROT_NONE), 0);
  p[0] = 1;  // still writable
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile char*)(p + kPage); }, &fi));
  EXPECT_EQ(fi.addr, reinterpret_cast<uintptr_t>(p + kPage));
  munmap(p, 2 * kPage);
}

TEST(Mmap, MprotectUnmappedEnomem) {
  char* p = Map(kPage);
  munmap(p, kPage);
  EXPECT_ERRNO(mprotect(p, kPage, PROT_READ), ENOMEM);
}

TEST(Mmap, MprotectUnalignedEinval) {
  char* p = Map(kPage);
  EXPECT_ERRNO(mprotect(p + 1, kPage, PROT_READ), EINVAL);
  EXPECT_ERRNO(mprotect(p, kPage, 0x100), EINVAL);
  munmap(p, kPage);
}

TEST(Mmap, NullDerefSegvMaperrAddrZero) {
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile int*)nullptr; }, &fi));
  EXPECT_EQ(fi.sig, SIGSEGV);
  EXPECT_EQ(fi.code, SEGV_MAPERR);
  EXPECT_EQ(fi.addr, 0u);
}

TEST(Mmap, UnhandledSegvKillsWithSigsegv) {
  int st = RunInChild([] {
    signal(SIGSEGV, SIG_DFL);
    *(volatile int*)nullptr = 1;
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGSEGV);
}

TEST(Mmap, MremapGrowInPlaceOrMove) {
  char* p = Map(kPage);
  ASSERT_NE(p, nullptr);
  p[0] = 'm';
  void* q = mremap(p, kPage, 4 * kPage, MREMAP_MAYMOVE);
  ASSERT_NE(q, MAP_FAILED);
  char* c = static_cast<char*>(q);
  EXPECT_EQ(c[0], 'm');
  EXPECT_EQ(c[3 * kPage], 0);
  munmap(q, 4 * kPage);
}

TEST(Mmap, MremapShrink) {
  char* p = Map(4 * kPage);
  p[0] = 's';
  void* q = mremap(p, 4 * kPage, kPage, 0);
  ASSERT_EQ(q, p);
  EXPECT_EQ(p[0], 's');
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile char*)(p + 2 * kPage); }, &fi));
  munmap(p, kPage);
}

TEST(Mmap, MremapNoMoveBlockedEnomem) {
  char* p = Map(2 * kPage);
  ASSERT_NE(p, nullptr);
  // Make the page after the first one a separate mapping: growing in place
  // is impossible without MAYMOVE.
  ASSERT_EQ(mprotect(p + kPage, kPage, PROT_READ), 0);
  EXPECT_EQ(mremap(p, kPage, 2 * kPage, 0), MAP_FAILED);
  EXPECT_EQ(errno, ENOMEM);
  munmap(p, 2 * kPage);
}

TEST(Mmap, MremapFixedMovesToTarget) {
  char* p = Map(kPage);
  char* target = Map(2 * kPage);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(target, nullptr);
  p[1] = 'f';
  void* q = mremap(p, kPage, kPage, MREMAP_MAYMOVE | MREMAP_FIXED, target + kPage);
  ASSERT_EQ(q, target + kPage);
  EXPECT_EQ(target[kPage + 1], 'f');
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile char*)p; }, &fi));  // old gone
  munmap(target, 2 * kPage);
}

TEST(Mmap, MremapInvalidFlagsEinval) {
  char* p = Map(kPage);
  EXPECT_EQ(mremap(p, kPage, kPage, MREMAP_FIXED), MAP_FAILED);  // FIXED needs MAYMOVE
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(mremap(p + 1, kPage, kPage, 0), MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
  munmap(p, kPage);
}

TEST(Mmap, MremapUnmappedEfault) {
  char* p = Map(kPage);
  munmap(p, kPage);
  EXPECT_EQ(mremap(p, kPage, 2 * kPage, MREMAP_MAYMOVE), MAP_FAILED);
  EXPECT_EQ(errno, EFAULT);
}

TEST(Mmap, MadviseDontneedZeroesPrivateAnon) {
  char* p = Map(2 * kPage);
  memset(p, 0x5a, 2 * kPage);
  ASSERT_EQ(madvise(p, 2 * kPage, MADV_DONTNEED), 0);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[kPage + 7], 0);
  munmap(p, 2 * kPage);
}

TEST(Mmap, MadviseDontneedKeepsSharedContents) {
  char* p = Map(kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
  p[0] = 0x33;
  ASSERT_EQ(madvise(p, kPage, MADV_DONTNEED), 0);
  EXPECT_EQ(p[0], 0x33);
  munmap(p, kPage);
}

TEST(Mmap, MadviseHintsAccepted) {
  char* p = Map(4 * kPage);
  EXPECT_EQ(madvise(p, 4 * kPage, MADV_NORMAL), 0);
  EXPECT_EQ(madvise(p, 4 * kPage, MADV_RANDOM), 0);
  EXPECT_EQ(madvise(p, 4 * kPage, MADV_SEQUENTIAL), 0);
  EXPECT_EQ(madvise(p, 4 * kPage, MADV_WILLNEED), 0);
  munmap(p, 4 * kPage);
}

TEST(Mmap, MadviseInvalidEinval) {
  char* p = Map(kPage);
  EXPECT_ERRNO(madvise(p + 1, kPage, MADV_NORMAL), EINVAL);
  EXPECT_ERRNO(madvise(p, kPage, 9999), EINVAL);
  munmap(p, kPage);
}

TEST(Mmap, MadviseUnmappedEnomem) {
  char* p = Map(kPage);
  munmap(p, kPage);
  EXPECT_ERRNO(madvise(p, kPage, MADV_NORMAL), ENOMEM);
}

TEST(Mmap, MadviseDontforkNotInChild) {
  char* p = Map(kPage);
  ASSERT_EQ(madvise(p, kPage, MADV_DONTFORK), 0);
  int st = RunInChild([&] {
    FaultInfo fi;
    return CatchFault([&] { (void)*(volatile char*)p; }, &fi) ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
  munmap(p, kPage);
}

TEST(Mmap, MincoreReportsTouchedPages) {
  char* p = Map(4 * kPage);
  p[0] = 1;
  p[2 * kPage] = 1;
  unsigned char vec[4] = {0xff, 0xff, 0xff, 0xff};
  ASSERT_EQ(mincore(p, 4 * kPage, vec), 0);
  EXPECT_EQ(vec[0] & 1, 1);
  EXPECT_EQ(vec[2] & 1, 1);
  for (unsigned char v : vec) EXPECT_EQ(v & ~1, 0);
  munmap(p, 4 * kPage);
}

TEST(Mmap, MincoreUnmappedEnomem) {
  char* p = Map(kPage);
  munmap(p, kPage);
  unsigned char v;
  EXPECT_ERRNO(mincore(p, kPage, &v), ENOMEM);
}

TEST(Mmap, MincoreUnalignedEinval) {
  char* p = Map(kPage);
  unsigned char v;
  EXPECT_ERRNO(mincore(p + 1, 1, &v), EINVAL);
  munmap(p, kPage);
}

TEST(Mmap, MincoreBadVectorEfault) {
  char* p = Map(kPage);
  EXPECT_ERRNO(mincore(p, kPage, (unsigned char*)8), EFAULT);
  munmap(p, kPage);
}

TEST(Mmap, MsyncAnonymousOk) {
  char* p = Map(kPage);
  EXPECT_EQ(msync(p, kPage, MS_SYNC), 0);
  EXPECT_EQ(msync(p, kPage, MS_ASYNC), 0);
  munmap(p, kPage);
}

TEST(Mmap, MsyncInvalidFlagsEinval) {
  char* p = Map(kPage);
  EXPECT_ERRNO(msync(p, kPage, MS_SYNC | MS_ASYNC), EINVAL);
  EXPECT_ERRNO(msync(p + 1, kPage, MS_SYNC), EINVAL);
  munmap(p, kPage);
}

TEST(Mmap, MsyncUnmappedEnomem) {
  char* p = Map(kPage);
  munmap(p, kPage);
  EXPECT_ERRNO(msync(p, kPage, MS_SYNC), ENOMEM);
}

TEST(Mmap, BrkQueryAndGrow) {
  uintptr_t cur = syscall(SYS_brk, 0);
  ASSERT_NE(cur, 0u);
  uintptr_t want = cur + 16 * kPage;
  uintptr_t got = syscall(SYS_brk, want);
  ASSERT_EQ(got, want);
  char* p = reinterpret_cast<char*>(cur);
  p[0] = 1;
  p[16 * kPage - 1] = 2;  // new heap is usable
  EXPECT_EQ((uintptr_t)syscall(SYS_brk, cur), cur);  // shrink back
}

TEST(Mmap, BrkBelowStartFailsReturnsCurrent) {
  uintptr_t cur = syscall(SYS_brk, 0);
  EXPECT_EQ((uintptr_t)syscall(SYS_brk, 4096), cur);
}

TEST(Mmap, SbrkShrinkUnmaps) {
  uintptr_t cur = syscall(SYS_brk, 0);
  uintptr_t top = (cur + 4 * kPage + kPage - 1) & ~(kPage - 1);
  ASSERT_EQ((uintptr_t)syscall(SYS_brk, top), top);
  char* last = reinterpret_cast<char*>(top - kPage);
  last[0] = 1;
  ASSERT_EQ((uintptr_t)syscall(SYS_brk, cur), cur);
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile char*)last; }, &fi));
}

TEST(Mmap, MlockMunlock) {
  char* p = Map(kPage);
  ASSERT_EQ(mlock(p, kPage), 0);
  ASSERT_EQ(munlock(p, kPage), 0);
  munmap(p, kPage);
}

TEST(Mmap, MlockUnmappedEnomem) {
  char* p = Map(2 * kPage);
  ASSERT_EQ(munmap(p + kPage, kPage), 0);
  EXPECT_ERRNO(mlock(p, 2 * kPage), ENOMEM);
  EXPECT_ERRNO(munlock(p, 2 * kPage), ENOMEM);
  munmap(p, kPage);
}

TEST(Mmap, Mlock2BadFlagsEinval) {
  char* p = Map(kPage);
  EXPECT_ERRNO(syscall(SYS_mlock2, p, kPage, 0x10), EINVAL);
  EXPECT_EQ(syscall(SYS_mlock2, p, kPage, MLOCK_ONFAULT), 0);
  munmap(p, kPage);
}

TEST(Mmap, MlockallFlags) {
  EXPECT_ERRNO(mlockall(0), EINVAL);
  EXPECT_ERRNO(mlockall(MCL_ONFAULT), EINVAL);
  EXPECT_EQ(mlockall(MCL_CURRENT), 0);
  EXPECT_EQ(munlockall(), 0);
}

TEST(Mmap, GrowsdownStackFaultsBelowGuard) {
  // A fault far below any mapping is MAPERR, not ACCERR.
  FaultInfo fi;
  EXPECT_TRUE(CatchFault([&] { (void)*(volatile char*)0x1000; }, &fi));
  EXPECT_EQ(fi.code, SEGV_MAPERR);
  EXPECT_EQ(fi.addr, 0x1000u);
}

TEST(Mmap, ThreadsSeeSameMappings) {
  char* p = nullptr;
  std::thread([&] { p = Map(kPage); if (p) p[0] = 'T'; }).join();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p[0], 'T');
  munmap(p, kPage);
}

}  // namespace
