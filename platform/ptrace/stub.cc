// stub.cc: forking a clean stub and running syscalls in its leader.
#include "platform/ptrace/stub.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/platform.h"
#include "platform/ptrace/stub_filter.h"
#include "spdlog/spdlog.h"

namespace platform::ptrace {
namespace {

// Exit codes of a stub that failed to set itself up, by step.
enum ChildStep { kPdeathsig = 10, kParent, kSetsid, kDup, kClose, kSignals,
                 kTraceme, kNoNewPrivs, kSeccomp, kRseq };

[[noreturn]] void ChildFail(int step) {
  syscall(SYS_exit_group, step);
  __builtin_unreachable();
}

// Runs in the forked child: raw syscalls only (the Sentry may be
// multi-threaded, so no locks, no allocation), then jumps to the stub page.
[[noreturn]] void StubChild(pid_t parent, int memfd, const sock_fprog* prog,
                            uint64_t entry) {
  if (syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) ChildFail(kPdeathsig);
  // The tracer thread may have died before the prctl above.
  if (syscall(SYS_getppid) != parent) ChildFail(kParent);
  // Out of the Sentry's session: terminal signals must not reach app code.
  if (syscall(SYS_setsid) < 0) ChildFail(kSetsid);
  if (memfd != kStubMemoryFd &&
      syscall(SYS_dup2, memfd, kStubMemoryFd) != kStubMemoryFd) {
    ChildFail(kDup);
  }
  if (syscall(SYS_close_range, 0, kStubMemoryFd - 1, 0) != 0 ||
      syscall(SYS_close_range, kStubMemoryFd + 1, ~0U, 0) != 0) {
    ChildFail(kClose);
  }
  struct { uint64_t handler, flags, restorer, mask; } dfl = {};  // SIG_DFL
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (syscall(SYS_rt_sigaction, sig, &dfl, nullptr, 8) != 0) ChildFail(kSignals);
  }
  uint64_t empty = 0;
  if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, nullptr, 8) != 0) {
    ChildFail(kSignals);
  }
  // glibc registered an rseq area in the (soon unmapped) TLS; the kernel
  // would raise SIGSEGV on every return to user mode once it is gone.
  if (__rseq_size > 0) {
    void* area = static_cast<char*>(__builtin_thread_pointer()) + __rseq_offset;
    if (syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0 &&
        syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0) {
      ChildFail(kRseq);
    }
  }
  if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) != 0) ChildFail(kTraceme);
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ChildFail(kNoNewPrivs);
  // Last host syscall from outside the stub page: from here on, the filter
  // only allows syscalls issued from the stub page.
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0) ChildFail(kSeccomp);
  asm volatile("jmp *%0" : : "r"(entry) : "memory");
  __builtin_unreachable();
}

}  // namespace

absl::StatusOr<std::unique_ptr<StubProcess>> StubProcess::Fork(
    const StubPage& page, int memfd) {
  std::vector<sock_filter> filter =
      StubSeccompFilter(page.base(), page.base() + kPageSize);
  sock_fprog prog = {static_cast<unsigned short>(filter.size()), filter.data()};
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::ResourceExhaustedError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) StubChild(parent, memfd, &prog, page.entry());

  std::unique_ptr<StubProcess> stub(new StubProcess(page, pid));
  absl::StatusOr<WaitResult> w = stub->leader_.Wait();
  if (!w.ok()) return w.status();
  if (!w->stopped()) {
    stub->dead_ = true;  // already reaped by Wait()
    return absl::InternalError(absl::StrCat(
        "stub failed to start: wait status ", w->status,
        WIFEXITED(w->status) ? absl::StrCat(" (setup step ", WEXITSTATUS(w->status), ")") : ""));
  }
  if (absl::Status s = stub->Init(); !s.ok()) return s;
  return stub;
}

absl::Status StubProcess::Init() {
  // Spawned children inherit these options.
  if (::ptrace(PTRACE_SETOPTIONS, pid(), 0,
             PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK) != 0) {
    return absl::InternalError(absl::StrCat("PTRACE_SETOPTIONS: ", strerror(errno)));
  }
  if (absl::Status s = leader_.GetRegs(leader_regs_); !s.ok()) return s;
  if (leader_regs_.rip != page_.entry() + 1) {
    return absl::InternalError(absl::StrCat("stub stopped at ", leader_regs_.rip));
  }
  auto run = [this](const char* what, auto... args) -> absl::Status {
    absl::StatusOr<int64_t> r = Syscall(args...);
    if (!r.ok()) return r.status();
    return SyscallResultStatus(*r, what);
  };
  // Drop every host mapping except the stub page.
  const uint64_t above = page_.base() + kPageSize;
  if (absl::Status s = run("munmap below stub", uint64_t{SYS_munmap}, 0, page_.base()); !s.ok()) return s;
  if (absl::Status s = run("munmap above stub", uint64_t{SYS_munmap}, above, kTaskSize - above); !s.ok()) return s;
  for (uint64_t sig : {SIGSEGV, SIGBUS}) {
    if (absl::Status s = run("rt_sigaction", uint64_t{SYS_rt_sigaction}, sig, page_.sigaction(), 0, 8); !s.ok()) return s;
  }
  // Dead spawned children are released without a wait by this stub.
  if (absl::Status s = run("rt_sigaction", uint64_t{SYS_rt_sigaction}, uint64_t{SIGCHLD}, page_.sigaction_ignore(), 0, 8); !s.ok()) return s;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<StubProcess>> StubProcess::Spawn() {
  if (dead()) return absl::UnavailableError("template stub was killed");
  Regs r = leader_regs_;
  r.rip = page_.clone();  // the child stops before it runs a single insn
  r.rax = SYS_clone;
  r.rdi = SIGCHLD;  // a plain fork
  r.rsi = r.rdx = r.r10 = r.r8 = r.r12 = 0;
  if (absl::Status s = leader_.SetRegs(r); !s.ok()) return s;
  if (absl::Status s = leader_.Resume(PTRACE_CONT, 0); !s.ok()) return s;
  absl::StatusOr<WaitResult> w = leader_.WaitStop();
  if (!w.ok()) return w.status();
  if (w->event() != PTRACE_EVENT_FORK) {
    return absl::InternalError(absl::StrCat("template fork: wait status ", w->status));
  }
  unsigned long child = 0;
  if (::ptrace(PTRACE_GETEVENTMSG, pid(), 0, &child) != 0) {
    return absl::InternalError(absl::StrCat("PTRACE_GETEVENTMSG: ", strerror(errno)));
  }
  std::unique_ptr<StubProcess> stub(new StubProcess(page_, static_cast<pid_t>(child)));
  if (absl::Status s = leader_.Resume(PTRACE_CONT, 0); !s.ok()) return s;
  w = leader_.WaitStop();
  if (!w.ok()) return w.status();
  if (absl::Status s = leader_.GetRegs(r); !s.ok()) return s;
  if (w->stop_sig() != SIGTRAP || r.rip != page_.clone_parent_return() ||
      r.rax != child) {
    return absl::InternalError(absl::StrCat("template fork ended at ", r.rip));
  }
  if (absl::Status s = stub->InitSpawned(pid()); !s.ok()) return s;
  return stub;
}

absl::Status StubProcess::InitSpawned(pid_t parent) {
  // Auto-attached children start with a SIGSTOP stop; it is suppressed by
  // the first injected syscall.
  absl::StatusOr<WaitResult> w = leader_.WaitStop();
  if (!w.ok()) return w.status();
  if (w->stop_sig() != SIGSTOP) {
    return absl::InternalError(absl::StrCat("spawned stub: wait status ", w->status));
  }
  if (absl::Status s = leader_.GetRegs(leader_regs_); !s.ok()) return s;
  absl::StatusOr<int64_t> r = Syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  if (!r.ok()) return r.status();
  if (absl::Status s = SyscallResultStatus(*r, "prctl(PDEATHSIG)"); !s.ok()) return s;
  r = Syscall(SYS_getppid);  // the template may have died before the prctl
  if (!r.ok()) return r.status();
  if (*r != parent) return absl::UnavailableError("template stub died during spawn");
  return absl::OkStatus();
}

StubProcess::~StubProcess() {
  if (!dead()) Kill();
}

absl::StatusOr<int64_t> StubProcess::Syscall(uint64_t nr, uint64_t a0,
                                             uint64_t a1, uint64_t a2,
                                             uint64_t a3, uint64_t a4,
                                             uint64_t a5) {
  if (dead()) return absl::UnavailableError("stub process was killed");
  FollowCpu();
  return leader_.InjectSyscall(page_, leader_regs_, nr, a0, a1, a2, a3, a4, a5);
}

absl::StatusOr<pid_t> StubProcess::CloneThread(int slot) {
  if (dead()) return absl::UnavailableError("stub process was killed");
  const uint64_t stack = page_.AltStackAddr(slot);
  if (!slot_mapped_[slot]) {
    absl::StatusOr<int64_t> r =
        Syscall(SYS_mmap, stack, kAltStackSize, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (!r.ok()) return r.status();
    if (absl::Status s = SyscallResultStatus(*r, "mmap signal stack"); !s.ok()) return s;
    // stack_t at the bottom of the slot; frames grow down from the top.
    if (absl::Status s = leader_.PokeData(stack, stack + 64); !s.ok()) return s;
    if (absl::Status s = leader_.PokeData(stack + 8, 0); !s.ok()) return s;
    if (absl::Status s = leader_.PokeData(stack + 16, kAltStackSize - 64); !s.ok()) return s;
    slot_mapped_[slot] = true;
  }
  Regs r = leader_regs_;
  r.rip = page_.clone();
  r.rax = SYS_clone;
  r.rdi = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
          CLONE_SYSVSEM;
  r.rsi = r.rdx = r.r10 = r.r8 = 0;
  r.r12 = stack;  // the child's sigaltstack argument
  r.r13 = 1;      // becomes sigaltstack's result in the child
  if (absl::Status s = leader_.SetRegs(r); !s.ok()) return s;
  if (absl::Status s = leader_.Resume(PTRACE_CONT, 0); !s.ok()) return s;
  absl::StatusOr<WaitResult> w = leader_.WaitStop();
  if (!w.ok()) return w.status();
  if (absl::Status s = leader_.GetRegs(r); !s.ok()) return s;
  if (w->stop_sig() != SIGTRAP || r.rip != page_.clone_parent_return()) {
    return absl::InternalError(absl::StrCat("clone stopped with signal ",
                                            w->stop_sig(), " at ", r.rip));
  }
  if (absl::Status s = SyscallResultStatus(r.rax, "clone"); !s.ok()) return s;
  return static_cast<pid_t>(r.rax);
}

void StubProcess::FollowCpu() {
  const int here = sched_getcpu();
  if (here < 0 || here == bound_cpu_) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(here, &set);
  if (sched_setaffinity(pid(), sizeof(set), &set) == 0) bound_cpu_ = here;
}

pid_t StubProcess::Kill() {
  dead_.store(true, std::memory_order_release);
  kill(pid(), SIGKILL);
  return pid();
}

absl::StatusOr<int> StubProcess::AllocSlot() {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < kMaxStubThreads; ++i) {
    if (!slot_used_[i]) {
      slot_used_[i] = true;
      return i;
    }
  }
  return absl::ResourceExhaustedError("too many threads in one address space");
}

void StubProcess::FreeSlot(int slot) {
  absl::MutexLock lock(&mu_);
  slot_used_[slot] = false;
}

}  // namespace platform::ptrace
