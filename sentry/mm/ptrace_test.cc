// ptrace_test.cc: MemoryManager driving the real ptrace platform: app faults
// resolved by HandleFault, copy-on-write after Fork across two stubs.
#include <sys/mman.h>

#include "gtest/gtest.h"
#include "platform/platform.h"
#include "platform/testing/snippet.h"
#include "sentry/mm/memory_manager.h"

namespace sentry::mm {
namespace {

constexpr uint64_t P = kPageSize;
constexpr uint64_t kCode = 0x400000;
constexpr uint64_t kData = 0x10000000;

// If rsi != 0: *(rbx) = rsi. Then syscall(1000, *(rbx)).
SNIPPET(mm_store_load,
        "test %rsi, %rsi\n jz 1f\n mov %rsi, (%rbx)\n"
        "1: mov (%rbx), %rdi\n mov $1000, %eax\n syscall\n")

MmapRequest Fixed(uint64_t addr, uint64_t len, int prot) {
  MmapRequest r;
  r.addr = addr;
  r.length = len;
  r.prot = prot;
  r.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  return r;
}

class PtraceMmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = MemoryFile::Create(uint64_t{1} << 30);
    ASSERT_TRUE(f.ok()) << f.status();
    file_ = std::move(*f);
    auto p = platform::NewPlatform("ptrace", {.memory_fd = file_->fd()});
    ASSERT_TRUE(p.ok()) << p.status();
    platform_ = std::move(*p);
    auto as = platform_->NewAddressSpace();
    ASSERT_TRUE(as.ok()) << as.status();
    MemoryManagerOptions o;
    o.max_address = platform_->MaxUserAddress();
    mm_ = std::make_unique<MemoryManager>(*file_, std::move(*as), o);
    auto ctx = platform_->NewContext();
    ASSERT_TRUE(ctx.ok()) << ctx.status();
    ctx_ = std::move(*ctx);
    // Code: written with CopyOut into fresh anonymous memory, then r-x.
    const size_t len = mm_store_load_end - mm_store_load_begin;
    ASSERT_TRUE(mm_->Mmap(Fixed(kCode, P, PROT_READ | PROT_WRITE)).ok());
    ASSERT_TRUE(mm_->CopyOut(kCode, mm_store_load_begin, len).ok());
    ASSERT_TRUE(mm_->Mprotect(kCode, P, PROT_READ | PROT_EXEC).ok());
    // Data: untouched anonymous memory.
    ASSERT_TRUE(mm_->Mmap(Fixed(kData, 4 * P, PROT_READ | PROT_WRITE)).ok());
  }

  // Runs the snippet in `mm` (store `value` first unless 0) until its
  // syscall, resolving faults with HandleFault. Returns what it read.
  uint64_t Run(MemoryManager& mm, uint64_t addr, uint64_t value, int* faults) {
    platform::CpuState cpu;
    cpu.regs.rip = kCode;
    cpu.regs.rbx = addr;
    cpu.regs.rsi = value;
    cpu.regs.rsp = kData + 4 * P - 64;
    for (int i = 0; i < 8; ++i) {
      absl::StatusOr<platform::Stop> stop = ctx_->Switch(mm.address_space(), cpu);
      EXPECT_TRUE(stop.ok()) << stop.status();
      if (!stop.ok()) return ~uint64_t{0};
      if (stop->reason == platform::StopReason::kSyscall) {
        EXPECT_EQ(cpu.syscall_no(), 1000u);
        return cpu.arg(0);
      }
      EXPECT_EQ(stop->reason, platform::StopReason::kFault);
      if (stop->reason != platform::StopReason::kFault) return ~uint64_t{0};
      ++*faults;
      ErrnoResult r = mm.HandleFault(stop->fault_addr, stop->access);
      EXPECT_TRUE(r.ok()) << "fault at " << std::hex << stop->fault_addr << ": errno "
                          << std::dec << r.error().value();
      if (!r.ok()) return ~uint64_t{0};
    }
    ADD_FAILURE() << "no syscall after 8 stops";
    return ~uint64_t{0};
  }

  void TearDown() override {
    ctx_.reset();
    mm_.reset();
    platform_.reset();
    if (file_) {
      EXPECT_EQ(file_->allocated_pages(), 0u);
    }
  }

  std::unique_ptr<MemoryFile> file_;
  std::unique_ptr<platform::Platform> platform_;
  std::unique_ptr<MemoryManager> mm_;
  std::unique_ptr<platform::Context> ctx_;
};

TEST_F(PtraceMmTest, AppWritesAnonymousPageResolvedByHandleFault) {
  int faults = 0;
  EXPECT_EQ(Run(*mm_, kData + 2 * P + 8, 0x1234567887654321, &faults), 0x1234567887654321u);
  // Code page (exec) and data page (write) were each faulted in once.
  EXPECT_EQ(faults, 2);
  uint64_t got = 0;
  ASSERT_TRUE(mm_->CopyIn(kData + 2 * P + 8, &got, 8).ok());
  EXPECT_EQ(got, 0x1234567887654321u);
  // The Sentry's write is seen by the app with no further fault.
  const uint64_t v = 42;
  ASSERT_TRUE(mm_->CopyOut(kData + 2 * P + 16, &v, 8).ok());
  faults = 0;
  EXPECT_EQ(Run(*mm_, kData + 2 * P + 16, 0, &faults), 42u);
  EXPECT_EQ(faults, 0);
  // After munmap the app faults and HandleFault refuses (SEGV_MAPERR).
  ASSERT_TRUE(mm_->Munmap(kData, 4 * P).ok());
  platform::CpuState cpu;
  cpu.regs.rip = kCode;
  cpu.regs.rbx = kData;
  absl::StatusOr<platform::Stop> stop = ctx_->Switch(mm_->address_space(), cpu);
  ASSERT_TRUE(stop.ok());
  ASSERT_EQ(stop->reason, platform::StopReason::kFault);
  EXPECT_EQ(stop->fault_addr, kData);
  EXPECT_EQ(mm_->HandleFault(stop->fault_addr, stop->access).error(), Errno(EFAULT));
}

TEST_F(PtraceMmTest, ForkIsCopyOnWriteAcrossTwoStubs) {
  int faults = 0;
  const uint64_t a = kData + 8;
  EXPECT_EQ(Run(*mm_, a, 0x1111, &faults), 0x1111u);
  auto child_as = platform_->NewAddressSpace();
  ASSERT_TRUE(child_as.ok()) << child_as.status();
  std::unique_ptr<MemoryManager> child = mm_->Fork(std::move(*child_as));
  // The child sees the parent's data, then writes its own.
  EXPECT_EQ(Run(*child, a, 0, &faults), 0x1111u);
  EXPECT_EQ(Run(*child, a, 0x2222, &faults), 0x2222u);
  // The parent still reads its value, then writes (in place: the child let go).
  EXPECT_EQ(Run(*mm_, a, 0, &faults), 0x1111u);
  const int64_t before = mm_->PageOffset(a);
  EXPECT_EQ(Run(*mm_, a, 0x3333, &faults), 0x3333u);
  EXPECT_EQ(mm_->PageOffset(a), before);
  EXPECT_EQ(Run(*child, a, 0, &faults), 0x2222u);
  // A write on the parent's side of a page never written since the fork:
  // the child must not see it.
  const uint64_t b = kData + P + 8;
  EXPECT_EQ(Run(*child, b, 0, &faults), 0u);
  EXPECT_EQ(Run(*mm_, b, 0x4444, &faults), 0x4444u);
  EXPECT_EQ(Run(*child, b, 0, &faults), 0u);
  EXPECT_NE(mm_->PageOffset(b), child->PageOffset(b));
  child.reset();
}

}  // namespace
}  // namespace sentry::mm
