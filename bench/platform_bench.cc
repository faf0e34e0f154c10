// platform_bench.cc: cost of the ptrace platform against the raw ptrace floor.
//
// Prints ns/op for:
//   raw_sysemu_getpid   PTRACE_SYSEMU + waitpid on a child looping on
//                       `syscall` (getpid's number): the floor.
//   raw_sysemu+regs     the floor plus SETREGS/GETREGS per stop (what any
//                       ptrace platform must at least add).
//   raw+regs_same_cpu   the same with the child pinned to the tracer's CPU
//                       (the trick Context::Switch uses).
//   switch_getpid       Context::Switch round trip of a snippet looping on
//                       getpid, the Sentry answering each call.
//   switch_getpid+fp    the same with PullFpState on every stop.
//   mapfile_unmap_64k   AddressSpace::MapFile + Unmap of 64 KiB from the
//                       thread of a Context bound to the address space (the
//                       syscalls run in its stub thread).
//     ...from_no_ctx    the same from a thread without one (they go
//                       through the platform's tracer thread).
//   new_address_space   Platform::NewAddressSpace (fork of a stub) and its
//                       destruction.
// Rounds alternate between raw and platform, so load from other processes
// hits both alike; columns: median over rounds and its ratio to the floor's
// median, then the best round and its ratio to the floor's best round.
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "platform/platform.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kCodeAddr = 0x400000;
constexpr int kRounds = 15;
constexpr int kIters = 4000;

double NsPerOp(Clock::duration d, int n) {
  return std::chrono::duration<double, std::nano>(d).count() / n;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "platform_bench: %s failed\n", what);
    std::exit(1);
  }
}

// The floor: a traced child spinning on syscall(getpid) under SYSEMU.
class RawSysemu {
 public:
  RawSysemu() {
    pid_ = fork();
    if (pid_ == 0) {
      ptrace(PTRACE_TRACEME, 0, 0, 0);
      raise(SIGSTOP);
      for (;;) asm volatile("syscall" : : "a"(SYS_getpid) : "rcx", "r11", "memory");
    }
    int status;
    Check(waitpid(pid_, &status, 0) == pid_ && WIFSTOPPED(status), "raw child stop");
    ptrace(PTRACE_SETOPTIONS, pid_, 0, PTRACE_O_EXITKILL);
  }
  ~RawSysemu() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // with_regs: also SETREGS before and GETREGS after each stop, the least
  // any ptrace platform must do to pass registers in and out.
  // Pins the child to `cpu` (-1: all CPUs).
  void Pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (cpu < 0 || c == cpu) CPU_SET(c, &set);
    }
    sched_setaffinity(pid_, sizeof(set), &set);
  }
  double Run(int n, bool with_regs = false) {
    int status;
    user_regs_struct regs;
    ptrace(PTRACE_GETREGS, pid_, 0, &regs);
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      if (with_regs) ptrace(PTRACE_SETREGS, pid_, 0, &regs);
      ptrace(PTRACE_SYSEMU, pid_, 0, 0);
      waitpid(pid_, &status, __WALL);
      if (with_regs) ptrace(PTRACE_GETREGS, pid_, 0, &regs);
    }
    return NsPerOp(Clock::now() - start, n);
  }

 private:
  pid_t pid_;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

}  // namespace

int main() {
  const long page = sysconf(_SC_PAGESIZE);
  int memfd = memfd_create("bench-memory", MFD_CLOEXEC);
  Check(memfd >= 0 && ftruncate(memfd, 16 << 20) == 0, "memfd");
  // mov $39, %eax; syscall; jmp back to the mov.
  const unsigned char loop[] = {0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7};
  Check(pwrite(memfd, loop, sizeof(loop), 0) == sizeof(loop), "write code");

  auto platform = platform::NewPlatform("ptrace", platform::PlatformOptions{memfd});
  Check(platform.ok(), "NewPlatform");
  auto as = (*platform)->NewAddressSpace();
  Check(as.ok(), "NewAddressSpace");
  Check((*as)->MapFile(kCodeAddr, page, PROT_READ | PROT_EXEC, 0).ok(), "MapFile code");
  auto ctx = (*platform)->NewContext();
  Check(ctx.ok(), "NewContext");
  platform::CpuState cpu;
  cpu.regs.rip = kCodeAddr;

  auto switch_loop = [&](int n, bool pull_fp) {
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto stop = (*ctx)->Switch(**as, cpu);
      if (!stop.ok() || stop->reason != platform::StopReason::kSyscall) {
        Check(false, "Switch");
      }
      if (pull_fp) Check((*ctx)->PullFpState(cpu).ok(), "PullFpState");
      cpu.set_return(1234);
    }
    return NsPerOp(Clock::now() - start, n);
  };
  auto new_as_loop = [&](int n) {
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      Check((*platform)->NewAddressSpace().ok(), "NewAddressSpace");
    }
    return NsPerOp(Clock::now() - start, n);
  };
  auto map_loop = [&](int n) {
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      Check((*as)->MapFile(0x10000000, 64 << 10, PROT_READ | PROT_WRITE, 1 << 20).ok(), "MapFile");
      Check((*as)->Unmap(0x10000000, 64 << 10).ok(), "Unmap");
    }
    return NsPerOp(Clock::now() - start, n);
  };

  RawSysemu raw;
  raw.Run(1000);  // warm up
  switch_loop(1000, false);
  auto map_loop_elsewhere = [&](int n) {  // from a thread without a Context
    double ns = 0;
    std::thread([&] { ns = map_loop(n); }).join();
    return ns;
  };
  std::vector<double> floor, rawregs, samecpu, sw, swfp, map, map2, newas;
  for (int r = 0; r < kRounds; ++r) {
    raw.Pin(-1);
    floor.push_back(raw.Run(kIters));
    rawregs.push_back(raw.Run(kIters, true));
    raw.Pin(sched_getcpu());
    samecpu.push_back(raw.Run(kIters, true));
    sw.push_back(switch_loop(kIters, false));
    swfp.push_back(switch_loop(kIters / 4, true));
    map.push_back(map_loop(kIters / 20));
    map2.push_back(map_loop_elsewhere(kIters / 20));
    newas.push_back(new_as_loop(10));
  }
  const double f = Median(floor);
  const double fmin = Min(floor);
  std::printf("%-20s %10s %8s %10s %8s\n", "name", "ns/op", "x floor", "min ns/op", "x floor");
  auto row = [&](const char* name, const std::vector<double>& v) {
    std::printf("%-20s %10.0f %8.2f %10.0f %8.2f\n", name, Median(v), Median(v) / f,
                Min(v), Min(v) / fmin);
  };
  row("raw_sysemu_getpid", floor);
  row("raw_sysemu+regs", rawregs);
  row("raw+regs_same_cpu", samecpu);
  row("switch_getpid", sw);
  row("switch_getpid+fp", swfp);
  row("mapfile_unmap_64k", map);
  row("  ...from_no_ctx", map2);
  row("new_address_space", newas);
  ctx->reset();
  return 0;
}
