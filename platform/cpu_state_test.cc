// cpu_state_test.cc: CpuState layout, accessors and copies.
#include "platform/cpu_state.h"

#include <sys/user.h>

#include <cstring>

#include "gtest/gtest.h"

namespace platform {
namespace {

TEST(CpuStateTest, NewStateIsUserModeWithInitFp) {
  CpuState cpu;
  EXPECT_EQ(cpu.regs.cs, 0x33u);
  EXPECT_EQ(cpu.regs.ss, 0x2bu);
  EXPECT_EQ(cpu.regs.eflags & 0x200, 0x200u);
  EXPECT_TRUE(cpu.fp_valid());
  EXPECT_TRUE(cpu.fp_dirty());
  EXPECT_EQ(cpu.fxsave().fcw, 0x37f);
  EXPECT_EQ(cpu.fxsave().mxcsr, 0x1f80u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(cpu.fp()) % 64, 0u);
}

TEST(CpuStateTest, XsaveLayoutMatchesCpuid) {
  const XsaveLayout& l = XsaveLayout::Get();
  EXPECT_GE(l.size, 576u);
  EXPECT_EQ(l.features & 3, 3u);  // x87 and SSE are always enabled
  if (l.features & (1 << kXfeatureYmm)) {
    EXPECT_EQ(l.offset[kXfeatureYmm], 576u);  // architectural for AVX
    EXPECT_EQ(l.comp_size[kXfeatureYmm], 256u);
  }
}

TEST(CpuStateTest, SyscallAccessorsFollowTheAbi) {
  CpuState cpu;
  cpu.regs.orig_rax = 39;
  cpu.regs.rdi = 1;
  cpu.regs.rsi = 2;
  cpu.regs.rdx = 3;
  cpu.regs.r10 = 4;
  cpu.regs.r8 = 5;
  cpu.regs.r9 = 6;
  EXPECT_EQ(cpu.syscall_no(), 39u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(cpu.arg(i), uint64_t(i + 1));
  cpu.set_return(77);
  EXPECT_EQ(cpu.regs.rax, 77u);
  // Same bytes as the kernel's struct.
  user_regs_struct u;
  std::memcpy(&u, &cpu.regs, sizeof(u));
  EXPECT_EQ(u.orig_rax, 39u);
  EXPECT_EQ(u.r10, 4u);
  EXPECT_EQ(u.rax, 77u);
}

TEST(CpuStateTest, CopyIsDeepAndKeepsFlags) {
  CpuState a;
  a.mutable_fxsave().xmm[3][5] = 0xab;
  a.set_fp_flags(/*valid=*/false, /*dirty=*/false);
  CpuState b = a;
  EXPECT_EQ(b.fxsave().xmm[3][5], 0xab);
  EXPECT_FALSE(b.fp_valid());
  EXPECT_NE(a.fp(), b.fp());
  b.mutable_fxsave().xmm[3][5] = 0xcd;
  EXPECT_EQ(a.fxsave().xmm[3][5], 0xab);
  EXPECT_TRUE(b.fp_valid());
  EXPECT_TRUE(b.fp_dirty());
}

TEST(CpuStateTest, XstateBv) {
  CpuState cpu;
  cpu.set_xstate_bv(0x7);
  EXPECT_EQ(cpu.xstate_bv(), 0x7u);
  cpu.ResetFp();
  EXPECT_EQ(cpu.xstate_bv(), 0x3u);
}

}  // namespace
}  // namespace platform
