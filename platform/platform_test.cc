// platform_test.cc: the Platform contract, exercised with machine-code
// snippets through NewPlatform("ptrace").
#include "platform/platform.h"

#include <signal.h>
#include <errno.h>
#include <sys/mman.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "platform/testing/snippet.h"

namespace platform {
namespace {

using testing::CodeState;
using testing::kCodeAddr;
using testing::kDataAddr;
using testing::kDataOffset;
using testing::TestSandbox;

#define ASSERT_OK(expr) ASSERT_TRUE((expr).ok()) << (expr)
#define ASSERT_OK_AND_ASSIGN(lhs, expr)        \
  auto lhs##_or = (expr);                      \
  ASSERT_TRUE(lhs##_or.ok()) << lhs##_or.status(); \
  [[maybe_unused]] auto lhs = std::move(*lhs##_or)

// syscall(1000, 11, 22, 33, 44, 55, 66); then syscall(1001, <its result>).
SNIPPET(two_syscalls,
        "mov $1000, %eax\n mov $11, %edi\n mov $22, %esi\n mov $33, %edx\n"
        "mov $44, %r10d\n mov $55, %r8d\n mov $66, %r9d\n syscall\n"
        "two_syscalls_after_first:\n"
        "mov %rax, %rdi\n mov $1001, %eax\n syscall\n")
extern "C" const char two_syscalls_after_first[];

TEST(PlatformTest, UnknownPlatformIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(NewPlatform("nope", PlatformOptions{}).status()));
}

TEST(PlatformTest, SyscallStopReportsNumberArgsAndTakesReturnValue) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  EXPECT_EQ(sb->platform().Name(), "ptrace");
  ASSERT_OK(sb->LoadCode(two_syscalls_begin, two_syscalls_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1000u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(cpu.arg(i), uint64_t(11 * (i + 1)));
  EXPECT_EQ(cpu.ip(), kCodeAddr + (two_syscalls_after_first - two_syscalls_begin));
  EXPECT_FALSE(stop.compat_syscall);
  cpu.set_return(0x1234567890);
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop2.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1001u);
  EXPECT_EQ(cpu.arg(0), 0x1234567890u);  // the value we returned reached the app
}

TEST(PlatformTest, SwitchFromAnotherThreadFailsFast) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(two_syscalls_begin, two_syscalls_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState cpu = CodeState();
  ASSERT_OK(ctx->Switch(sb->as(), cpu).status());  // bound and used here
  absl::Status other;
  std::thread([&] { other = ctx->Switch(sb->as(), cpu).status(); }).join();
  EXPECT_TRUE(absl::IsFailedPrecondition(other)) << other;
  std::thread([&] { other = ctx->PullFpState(cpu); }).join();
  EXPECT_TRUE(absl::IsFailedPrecondition(other)) << other;
  // Still usable from its own thread.
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1001u);
}

// Writes to 0x700000, which is not mapped, then syscall(1002).
SNIPPET(write_unmapped, "movq $7, 0x700000\n mov $1002, %eax\n syscall\n")
SNIPPET(read_unmapped, "mov 0x700008, %rax\n mov $1002, %eax\n syscall\n")
SNIPPET(exec_unmapped, "mov $0x700000, %eax\n call *%rax\n")

TEST(PlatformTest, FaultReportsAddressAndAccessThenResumes) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(write_unmapped_begin, write_unmapped_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop.reason, StopReason::kFault);
  EXPECT_EQ(stop.signo, SIGSEGV);
  EXPECT_EQ(stop.code, SEGV_MAPERR);
  EXPECT_EQ(stop.fault_addr, 0x700000u);
  EXPECT_EQ(stop.access, AccessType::kWrite);
  EXPECT_EQ(stop.trapno, 14);
  EXPECT_EQ(cpu.ip(), kCodeAddr);  // the faulting instruction
  // Map the page (file offset 2 MiB) and resume: the write now lands.
  ASSERT_OK(sb->as().MapFile(0x700000, 4096, PROT_READ | PROT_WRITE, 2 << 20));
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop2.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1002u);
  EXPECT_EQ(sb->file()[2 << 20], 7);
}

TEST(PlatformTest, FaultReportsReadAndExec) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  ASSERT_OK(sb->LoadCode(read_unmapped_begin, read_unmapped_end));
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop.reason, StopReason::kFault);
  EXPECT_EQ(stop.fault_addr, 0x700008u);
  EXPECT_EQ(stop.access, AccessType::kRead);

  ASSERT_OK(sb->LoadCode(exec_unmapped_begin, exec_unmapped_end));
  cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop2.reason, StopReason::kFault);
  EXPECT_EQ(stop2.fault_addr, 0x700000u);
  EXPECT_EQ(stop2.access, AccessType::kExec);
  EXPECT_EQ(cpu.ip(), 0x700000u);

  // Mapped but not executable: an exec fault on a present page.
  ASSERT_OK(sb->as().MapFile(0x700000, 4096, PROT_READ | PROT_WRITE, 2 << 20));
  cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop3, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop3.reason, StopReason::kFault);
  EXPECT_EQ(stop3.code, SEGV_ACCERR);
  EXPECT_EQ(stop3.access, AccessType::kExec);
}

SNIPPET(ud2_then_syscall, "ud2\n mov $1007, %eax\n syscall\n")
SNIPPET(int3_insn, "int3\n mov $1008, %eax\n syscall\n")
SNIPPET(divide_by_zero, "xor %ecx, %ecx\n mov $1, %eax\n cltd\n idiv %ecx\n")

TEST(PlatformTest, OtherSignalsAreReportedAndNotDelivered) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  ASSERT_OK(sb->LoadCode(ud2_then_syscall_begin, ud2_then_syscall_end));
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(ill, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(ill.reason, StopReason::kSignal);
  EXPECT_EQ(ill.signo, SIGILL);
  EXPECT_EQ(ill.code, ILL_ILLOPN);
  EXPECT_EQ(ill.fault_addr, kCodeAddr);
  EXPECT_EQ(cpu.ip(), kCodeAddr);
  // Not delivered: the stub lives on; skip the insn as a Sentry would.
  cpu.regs.rip += 2;
  ASSERT_OK_AND_ASSIGN(next, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(next.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1007u);

  ASSERT_OK(sb->LoadCode(int3_insn_begin, int3_insn_end));
  cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(trap, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(trap.reason, StopReason::kSignal);
  EXPECT_EQ(trap.signo, SIGTRAP);
  EXPECT_EQ(cpu.ip(), kCodeAddr + 1);
  ASSERT_OK_AND_ASSIGN(next2, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1008u);

  ASSERT_OK(sb->LoadCode(divide_by_zero_begin, divide_by_zero_end));
  cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(fpe, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(fpe.reason, StopReason::kSignal);
  EXPECT_EQ(fpe.signo, SIGFPE);
  EXPECT_EQ(fpe.code, FPE_INTDIV);
}

// Reads the data page, then writes it.
SNIPPET(read_then_write, "mov (0x600000), %rax\n mov $1003, %eax\n syscall\n"
                         "movq $9, 0x600000\n mov $1004, %eax\n syscall\n")

TEST(PlatformTest, ProtectAndUnmapTakeEffect) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  ASSERT_OK(sb->LoadCode(read_then_write_begin, read_then_write_end));
  // Read-only: the read passes, the write faults as a write (ACCERR).
  ASSERT_OK(sb->as().Protect(kDataAddr, 4096, PROT_READ));
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1003u);
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop2.reason, StopReason::kFault);
  EXPECT_EQ(stop2.code, SEGV_ACCERR);
  EXPECT_EQ(stop2.access, AccessType::kWrite);
  EXPECT_EQ(stop2.fault_addr, kDataAddr);
  EXPECT_EQ(sb->data()[0], 0);
  // Unmapped: now even the read faults.
  ASSERT_OK(sb->as().Unmap(kDataAddr, 4096));
  cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop3, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(stop3.reason, StopReason::kFault);
  EXPECT_EQ(stop3.code, SEGV_MAPERR);
  EXPECT_EQ(stop3.access, AccessType::kRead);
  EXPECT_EQ(stop3.fault_addr, kDataAddr);
  // Mapped read-write again: both pass and the write reaches the file.
  ASSERT_OK(sb->as().MapFile(kDataAddr, 4096, PROT_READ | PROT_WRITE, kDataOffset));
  ASSERT_OK_AND_ASSIGN(stop4, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1003u);
  ASSERT_OK_AND_ASSIGN(stop5, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1004u);
  EXPECT_EQ(sb->data()[0], 9);
}

TEST(PlatformTest, AccessBeyondTheMemoryFileIsABusFault) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  ASSERT_OK(sb->LoadCode(write_unmapped_begin, write_unmapped_end));
  // The page at 0x700000 maps past the end of the file.
  ASSERT_OK(sb->as().MapFile(0x700000, 4096, PROT_READ | PROT_WRITE, testing::kFileSize));
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(stop.reason, StopReason::kFault);
  EXPECT_EQ(stop.signo, SIGBUS);
  EXPECT_EQ(stop.code, BUS_ADRERR);
  EXPECT_EQ(stop.fault_addr, 0x700000u);
  EXPECT_EQ(stop.access, AccessType::kWrite);
}

// A non-canonical address: #GP, not #PF; no address, no access type.
SNIPPET(general_protection, "mov $0x8000000000000000, %rax\n mov (%rax), %rbx\n")

TEST(PlatformTest, GeneralProtectionFaultHasNoAccessType) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  ASSERT_OK(sb->LoadCode(general_protection_begin, general_protection_end));
  CpuState cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(stop.reason, StopReason::kFault);
  EXPECT_EQ(stop.signo, SIGSEGV);
  EXPECT_EQ(stop.code, SI_KERNEL);
  EXPECT_EQ(stop.trapno, 13);
  EXPECT_EQ(stop.access, AccessType::kUnknown);
  EXPECT_EQ(cpu.ip(), kCodeAddr + 10);
}

TEST(PlatformTest, BadRangesAreRejected) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  const uint64_t max = sb->platform().MaxUserAddress();
  EXPECT_TRUE(absl::IsInvalidArgument(sb->as().MapFile(0x1001, 4096, PROT_READ, 0)));
  EXPECT_TRUE(absl::IsInvalidArgument(sb->as().MapFile(max, 4096, PROT_READ, 0)));
  EXPECT_TRUE(absl::IsInvalidArgument(sb->as().Unmap(max - 4096, 8192)));
  EXPECT_TRUE(absl::IsInvalidArgument(sb->as().Protect(0, 4096, 0x100)));
}

// Spins, counting in rbx, after raising a flag in the data page.
SNIPPET(spin, "movq $1, 0x600000\n 1: inc %rbx\n jmp 1b\n")

TEST(PlatformTest, InterruptStopsASpinningThread) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(spin_begin, spin_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  auto* flag = reinterpret_cast<std::atomic<uint64_t>*>(sb->data());
  std::chrono::steady_clock::time_point sent;
  std::thread interrupter([&] {
    while (flag->load() == 0) std::this_thread::yield();  // app is running
    sent = std::chrono::steady_clock::now();
    ctx->Interrupt();
  });
  CpuState cpu = CodeState();
  absl::StatusOr<Stop> stop = ctx->Switch(sb->as(), cpu);
  const auto returned = std::chrono::steady_clock::now();
  interrupter.join();
  ASSERT_OK(stop.status());
  EXPECT_EQ(stop->reason, StopReason::kInterrupted);
  EXPECT_GT(cpu.regs.rbx, 0u);  // it really ran
  EXPECT_LT(returned - sent, std::chrono::milliseconds(500));
  // No leftover: the next Switch runs the app again until the next Interrupt.
  const uint64_t before = cpu.regs.rbx;
  flag->store(0);
  std::thread again([&] {
    while (flag->load() == 0) std::this_thread::yield();
    ctx->Interrupt();
  });
  cpu.regs.rip = kCodeAddr;
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  again.join();
  EXPECT_EQ(stop2.reason, StopReason::kInterrupted);
  EXPECT_GT(cpu.regs.rbx, before);
}

TEST(PlatformTest, InterruptBeforeSwitchIsNotLost) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(two_syscalls_begin, two_syscalls_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState cpu = CodeState();
  ctx->Interrupt();
  ctx->Interrupt();  // coalesces with the first
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(stop.reason, StopReason::kInterrupted);
  EXPECT_EQ(cpu.ip(), kCodeAddr);  // no app code ran
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(stop2.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1000u);
}

// Interrupt racing with syscall stops: every Interrupt is seen exactly by
// some Switch (none lost), and stale signals never surface.
SNIPPET(syscall_loop, "1: mov $39, %eax\n syscall\n jmp 1b\n")

TEST(PlatformTest, InterruptsRacingWithSyscallsAreNeverLost) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(syscall_loop_begin, syscall_loop_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState cpu = CodeState();
  std::atomic<int> sent{0};
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    for (int i = 0; i < 200; ++i) {
      ctx->Interrupt();
      sent++;
      // Wait until this one has been consumed before sending the next.
      while (sent.load() != 0 && !done.load()) std::this_thread::yield();
    }
  });
  int seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (seen < 200 && std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<Stop> stop = ctx->Switch(sb->as(), cpu);
    ASSERT_OK(stop.status());
    if (stop->reason == StopReason::kInterrupted) {
      ++seen;
      sent--;
    } else {
      ASSERT_EQ(stop->reason, StopReason::kSyscall);
      ASSERT_EQ(cpu.syscall_no(), 39u);
    }
  }
  done = true;
  interrupter.join();
  EXPECT_EQ(seen, 200);
}

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
  ASSERT_OK(sb->LoadCode(write_unmapped_begin, write_unmapped_end));
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

// After a syscall stop the Sentry may change any register, not just rax.
TEST(PlatformTest, RegisterChangesAtASyscallStopReachTheApp) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(just_syscall_begin, just_syscall_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  CpuState cpu = CodeState();
  cpu.regs.rax = 1013;
  ASSERT_OK_AND_ASSIGN(stop, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(cpu.syscall_no(), 1013u);
  cpu.set_return(5);
  cpu.regs.rbx = 0xabc;  // e.g. a restarted call or a signal frame
  cpu.regs.r15 = 0xdef;
  ASSERT_OK_AND_ASSIGN(stop2, ctx->Switch(sb->as(), cpu));
  ASSERT_EQ(cpu.syscall_no(), 1005u);
  EXPECT_EQ(cpu.regs.rbx, 0xabcu);
  EXPECT_EQ(cpu.regs.r15, 0xdefu);
  // And rip: run the first syscall again.
  cpu.regs.rip = kCodeAddr;
  cpu.regs.rax = 1014;
  ASSERT_OK_AND_ASSIGN(stop3, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(cpu.syscall_no(), 1014u);
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
  ASSERT_OK(sb->LoadCode(write_unmapped_begin, write_unmapped_end));
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

// Barrier in app code: each thread increments the counter at 0x600000 and
// spins until all kThreads have arrived, then syscalls. It completes only
// if the threads run at the same time.
constexpr int kThreads = 8;
SNIPPET(barrier, "lock incq 0x600000\n 1: pause\n cmpq $8, 0x600000\n jne 1b\n"
                 "mov %rdi, %rax\n syscall\n")

TEST(PlatformTest, ManyContextsRunConcurrentlyInOneAddressSpace) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(barrier_begin, barrier_end));
  std::vector<std::unique_ptr<Context>> contexts(kThreads);
  std::vector<absl::StatusOr<Stop>> stops(kThreads, absl::UnknownError("not run"));
  std::vector<uint64_t> nr(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<std::unique_ptr<Context>> ctx = sb->platform().NewContext();
      if (!ctx.ok()) { stops[i] = ctx.status(); ready++; return; }
      contexts[i] = std::move(*ctx);
      ready++;
      CpuState cpu = CodeState();
      cpu.regs.rdi = 2000 + i;
      stops[i] = contexts[i]->Switch(sb->as(), cpu);
      nr[i] = cpu.syscall_no();
      contexts[i].reset();  // on its own thread
    });
  }
  // Watchdog: a serialized platform would never pass the barrier.
  while (ready.load() < kThreads) std::this_thread::yield();
  std::atomic<bool> finished{false};
  std::thread watchdog([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!finished.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!finished.load()) {
      for (auto& c : contexts) if (c) c->Interrupt();
    }
  });
  for (auto& t : threads) t.join();
  finished = true;
  watchdog.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_TRUE(stops[i].ok()) << i << " " << stops[i].status();
  }
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(stops[i].ok()) << stops[i].status();
    EXPECT_EQ(stops[i]->reason, StopReason::kSyscall) << "thread " << i;
    EXPECT_EQ(nr[i], uint64_t(2000 + i));
  }
  EXPECT_EQ(*reinterpret_cast<uint64_t*>(sb->data()), uint64_t(kThreads));
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

TEST(PlatformTest, AddressSpaceDeathEndsARunningSwitchAndFreesTheContext) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK_AND_ASSIGN(as1, sb->platform().NewAddressSpace());
  ASSERT_OK(as1->MapFile(kCodeAddr, 4096, PROT_READ | PROT_EXEC, testing::kCodeOffset));
  ASSERT_OK(as1->MapFile(kDataAddr, 4096, PROT_READ | PROT_WRITE, kDataOffset));
  ASSERT_OK(sb->LoadCode(spin_begin, spin_end));
  ASSERT_OK_AND_ASSIGN(ctx, sb->platform().NewContext());
  auto* flag = reinterpret_cast<std::atomic<uint64_t>*>(sb->data());
  std::thread killer([&] {
    while (flag->load() == 0) std::this_thread::yield();  // app is running
    as1.reset();  // SIGKILLs the stub under the running Switch
  });
  CpuState cpu = CodeState();
  absl::StatusOr<Stop> stop = ctx->Switch(*as1, cpu);
  killer.join();
  EXPECT_TRUE(absl::IsUnavailable(stop.status())) << stop.status();
  // The same Context goes on in another address space.
  ASSERT_OK(sb->LoadCode(two_syscalls_begin, two_syscalls_end));
  cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(next, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(next.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1000u);
}

}  // namespace
}  // namespace platform
