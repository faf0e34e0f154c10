// platform_regs_test.cc: general and FP/SSE/AVX registers round-trip exactly
// through Switch, faults, mapping changes and address-space moves; the lazy
// FP rule of cpu_state.h.
#include "platform/platform.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "platform/testing/snippet.h"
#include "platform/testing/status_macros.h"

namespace platform {
namespace {

using testing::CodeState;
using testing::kCodeAddr;
using testing::kDataAddr;
using testing::kDataOffset;
using testing::TestSandbox;

// Writes to 0x700000, which is not mapped, then syscall(1002).
SNIPPET(regs_write_unmapped, "movq $7, 0x700000\n mov $1002, %eax\n syscall\n")

// Writes the given patterns into every GP register the app can set and the
// SSE/AVX registers, then syscalls: everything must come back unchanged.
SNIPPET(just_syscall, "syscall\n mov $1005, %eax\n syscall\n")

void FillYmm(CpuState& cpu, uint8_t seed) {
  uint8_t* fp = cpu.mutable_fp();
  FxsaveArea& fx = cpu.mutable_fxsave();
  for (int r = 0; r < 16; ++r) {
    for (int b = 0; b < 16; ++b) fx.xmm[r][b] = uint8_t(seed + r * 16 + b);
  }
  fx.mxcsr = 0x1f80 | 0x6000;  // round toward zero
  const XsaveLayout& l = XsaveLayout::Get();
  uint64_t bv = 0x3;
  if (l.features & (1 << kXfeatureYmm)) {
    uint8_t* hi = fp + l.offset[kXfeatureYmm];
    for (int i = 0; i < 256; ++i) hi[i] = uint8_t(seed ^ i ^ 0x5a);
    bv |= 1 << kXfeatureYmm;
  }
  cpu.set_xstate_bv(cpu.xstate_bv() | bv);
}

void ExpectSameVectorState(const CpuState& a, const CpuState& b) {
  EXPECT_EQ(0, std::memcmp(a.fxsave().xmm, b.fxsave().xmm, sizeof(a.fxsave().xmm)));
  EXPECT_EQ(a.fxsave().mxcsr, b.fxsave().mxcsr);
  EXPECT_EQ(a.fxsave().fcw, b.fxsave().fcw);
  const XsaveLayout& l = XsaveLayout::Get();
  if (l.features & (1 << kXfeatureYmm)) {
    EXPECT_EQ(0, std::memcmp(a.fp() + l.offset[kXfeatureYmm],
                             b.fp() + l.offset[kXfeatureYmm], 256));
  }
}

TEST(PlatformTest, GeneralAndFpRegistersRoundTripExactly) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(just_syscall_begin, just_syscall_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState in = CodeState();
  uint64_t* gp[] = {&in.regs.r15, &in.regs.r14, &in.regs.r13, &in.regs.r12,
                    &in.regs.rbp, &in.regs.rbx, &in.regs.r10, &in.regs.r9,
                    &in.regs.r8, &in.regs.rdx, &in.regs.rsi, &in.regs.rdi};
  in.regs.rax = 0x4242;  // the syscall number
  for (size_t i = 0; i < std::size(gp); ++i) *gp[i] = 0x1111111111111111ull * (i + 1);
  in.regs.fs_base = 0x7f0000001000;
  in.regs.gs_base = 0x7f0000002000;
  in.regs.eflags |= 0x1 | 0x4 | 0x80;  // CF PF SF
  FillYmm(in, 3);
  CpuState cpu = in;
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop.reason, StopReason::kSyscall);
  EXPECT_FALSE(cpu.fp_valid());  // lazy: not fetched
  for (size_t i = 0; i < std::size(gp); ++i) {
    const size_t off = reinterpret_cast<uint8_t*>(gp[i]) - reinterpret_cast<uint8_t*>(&in.regs);
    uint64_t got;
    std::memcpy(&got, reinterpret_cast<uint8_t*>(&cpu.regs) + off, 8);
    EXPECT_EQ(got, *gp[i]) << "register at offset " << off;
  }
  EXPECT_EQ(cpu.syscall_no(), in.regs.rax);
  EXPECT_EQ(static_cast<int64_t>(cpu.regs.rax), -ENOSYS);  // Linux's convention
  EXPECT_EQ(cpu.regs.rcx, kCodeAddr + 2);  // syscall puts rip in rcx
  EXPECT_EQ(cpu.regs.fs_base, in.regs.fs_base);
  EXPECT_EQ(cpu.regs.gs_base, in.regs.gs_base);
  EXPECT_EQ(cpu.regs.eflags & 0xff, in.regs.eflags & 0xff);
  EXPECT_EQ(cpu.regs.rsp, in.regs.rsp);
  ASSERT_OK(ctx->PullFpState(cpu));
  EXPECT_TRUE(cpu.fp_valid());
  EXPECT_FALSE(cpu.fp_dirty());
  ExpectSameVectorState(in, cpu);

  // Change FP in the Sentry, lazily pushed by the next Switch.
  CpuState changed = cpu;
  FillYmm(changed, 77);
  cpu = changed;
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1005u);
  ASSERT_OK(ctx->PullFpState(cpu));
  ExpectSameVectorState(changed, cpu);
}

TEST(PlatformTest, EveryGeneralRegisterRoundTripsThroughAFault) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(regs_write_unmapped_begin, regs_write_unmapped_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState in = CodeState();
  uint64_t* gp[] = {&in.regs.r15, &in.regs.r14, &in.regs.r13, &in.regs.r12,
                    &in.regs.rbp, &in.regs.rbx, &in.regs.r11, &in.regs.r10,
                    &in.regs.r9,  &in.regs.r8,  &in.regs.rax, &in.regs.rcx,
                    &in.regs.rdx, &in.regs.rsi, &in.regs.rdi};
  for (size_t i = 0; i < std::size(gp); ++i) *gp[i] = 0x0101010101010101ull * (i + 3);
  in.regs.fs_base = 0x12345000;
  in.regs.gs_base = 0x23456000;
  CpuState cpu = in;
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop.reason, StopReason::kFault);
  Regs want = in.regs;
  Regs got = cpu.regs;
  want.orig_rax = got.orig_rax = 0;  // not a syscall stop
  got.eflags &= ~uint64_t{0x10000};  // RF: the CPU sets it on a fault
  const auto* w = reinterpret_cast<const uint64_t*>(&want);
  const auto* g = reinterpret_cast<const uint64_t*>(&got);
  for (size_t i = 0; i < sizeof(Regs) / 8; ++i) {
    EXPECT_EQ(w[i], g[i]) << "Regs field #" << i;
  }
  for (size_t i = 0; i < std::size(gp); ++i) {
    const size_t off = reinterpret_cast<uint8_t*>(gp[i]) - reinterpret_cast<uint8_t*>(&in.regs);
    uint64_t v;
    std::memcpy(&v, reinterpret_cast<uint8_t*>(&cpu.regs) + off, 8);
    EXPECT_EQ(v, *gp[i]) << "register at offset " << off;
  }
  EXPECT_TRUE(cpu.fp_valid());  // a fault brings the FP state along
}

// Address-space changes made by a task between its Switches run in its own
// stub thread; the app's registers and FP state must not notice.
TEST(PlatformTest, MappingChangesBetweenSwitchesKeepAppState) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(just_syscall_begin, just_syscall_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState in = CodeState();
  in.regs.rax = 1012;
  in.regs.rbx = 0xb0b0b0b0;
  in.regs.r12 = 0x12121212;
  FillYmm(in, 21);
  CpuState cpu = in;
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(cpu.syscall_no(), 1012u);
  ASSERT_FALSE(cpu.fp_valid());  // the FP state is in the stub thread
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(sb->as().MapFile(0x10000000, 64 << 10, PROT_READ | PROT_WRITE, 4 << 20));
    ASSERT_OK(sb->as().Protect(0x10000000, 4096, PROT_READ));
    ASSERT_OK(sb->as().Unmap(0x10000000, 64 << 10));
  }
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1005u);
  EXPECT_EQ(cpu.regs.rbx, 0xb0b0b0b0u);
  EXPECT_EQ(cpu.regs.r12, 0x12121212u);
  ASSERT_OK(ctx->PullFpState(cpu));
  ExpectSameVectorState(in, cpu);
}

// The app sets xmm0 and ymm1 itself; the Sentry must see it after a pull.
SNIPPET(set_vectors, "pcmpeqd %xmm0, %xmm0\n vpcmpeqd %ymm1, %ymm1, %ymm1\n"
                     "mov $1006, %eax\n syscall\n")

TEST(PlatformTest, AppFpChangesAreVisibleAfterPull) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  if (!(XsaveLayout::Get().features & (1 << kXfeatureYmm))) GTEST_SKIP() << "no AVX";
  ASSERT_OK(sb->LoadCode(set_vectors_begin, set_vectors_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(cpu.syscall_no(), 1006u);
  ASSERT_OK(ctx->PullFpState(cpu));
  for (int b = 0; b < 16; ++b) {
    EXPECT_EQ(cpu.fxsave().xmm[0][b], 0xff);
    EXPECT_EQ(cpu.fxsave().xmm[1][b], 0xff);
    EXPECT_EQ(cpu.fxsave().xmm[2][b], 0);
  }
  const uint8_t* hi1 = cpu.fp() + XsaveLayout::Get().offset[kXfeatureYmm] + 16;
  for (int b = 0; b < 16; ++b) EXPECT_EQ(hi1[b], 0xff);
}

TEST(PlatformTest, FpStateSurvivesAFault) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(regs_write_unmapped_begin, regs_write_unmapped_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState in = CodeState();
  FillYmm(in, 42);
  CpuState cpu = in;
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop.reason, StopReason::kFault);
  ASSERT_OK(sb->as().MapFile(0x700000, 4096, PROT_READ | PROT_WRITE, 2 << 20));
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(cpu.syscall_no(), 1002u);
  ASSERT_OK(ctx->PullFpState(cpu));
  ExpectSameVectorState(in, cpu);
}

TEST(PlatformTest, ContextMovesBetweenAddressSpacesKeepingFp) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(just_syscall_begin, just_syscall_end));
  ASSERT_OK_AND_ASSIGN(as2, sb->platform().NewAddressSpace());
  ASSERT_OK(as2->MapFile(kCodeAddr, 4096, PROT_READ | PROT_EXEC, testing::kCodeOffset));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState in = CodeState();
  in.regs.rax = 1010;
  FillYmm(in, 9);
  CpuState cpu = in;
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1010u);
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(*as2, cpu));  // a new stub thread
  EXPECT_EQ(cpu.syscall_no(), 1005u);
  ASSERT_OK(ctx->PullFpState(cpu));
  ExpectSameVectorState(in, cpu);
  // The first address space's death does not hurt the second.
  sb->as().Unmap(kDataAddr, 4096).IgnoreError();
  cpu.regs.rip = kCodeAddr;
  cpu.regs.rax = 1011;
  ASSERT_OK_AND_ASSIGN(stop3, ctx->Switch(*as2, cpu));
  EXPECT_EQ(cpu.syscall_no(), 1011u);
}

}  // namespace
}  // namespace platform
