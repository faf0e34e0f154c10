// platform_test.cc: the Platform contract (syscall stops, faults, signals,
// mappings, the thread rule), exercised with machine-code snippets through
// NewPlatform("ptrace"). See also platform_regs_test.cc and
// platform_threads_test.cc.
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

// syscall, then syscall(1005).
SNIPPET(syscall_twice, "syscall\n mov $1005, %eax\n syscall\n")

// After a syscall stop the Sentry may change any register, not just rax.
TEST(PlatformTest, RegisterChangesAtASyscallStopReachTheApp) {
  ASSERT_OK_AND_ASSIGN(sb, TestSandbox::Create());
  ASSERT_OK(sb->LoadCode(syscall_twice_begin, syscall_twice_end));
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

}  // namespace
}  // namespace platform
