// platform_threads_test.cc: Interrupt, concurrency of many Contexts in one
// address space, and the death of an address space under a running Switch.
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

// syscall(1000); then syscall(1001).
SNIPPET(threads_two_syscalls, "mov $1000, %eax\n syscall\n mov $1001, %eax\n syscall\n")

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
  ASSERT_OK(sb->LoadCode(threads_two_syscalls_begin, threads_two_syscalls_end));
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
  ASSERT_OK(sb->LoadCode(threads_two_syscalls_begin, threads_two_syscalls_end));
  cpu = CodeState();
  ASSERT_OK_AND_ASSIGN(next, ctx->Switch(sb->as(), cpu));
  EXPECT_EQ(next.reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 1000u);
}

}  // namespace
}  // namespace platform
