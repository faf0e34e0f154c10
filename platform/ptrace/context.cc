// context.cc: running app code in a traced stub thread.
#include "platform/ptrace/context.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "platform/ptrace/fault_frame.h"
#include "spdlog/spdlog.h"

namespace platform::ptrace {
namespace {

constexpr int kMaxSteps = 32;  // the clone child path is 6 instructions

// gettid() without a syscall on the hot path. A fork child's only thread
// inherits its parent thread's cache, so fork resets it.
thread_local pid_t cached_tid = 0;

pid_t CurrentTid() {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, [] { cached_tid = 0; });
    return true;
  }();
  (void)registered;
  if (cached_tid == 0) cached_tid = gettid();
  return cached_tid;
}

// The Contexts this host thread owns (weak: see PtraceContext::self_).
thread_local std::vector<std::weak_ptr<PtraceContext*>> owned_contexts;

bool HasFaultAddr(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
         sig == SIGTRAP;
}

}  // namespace

PtraceContext::PtraceContext(pid_t owner_tid)
    : owner_tid_(owner_tid), self_(std::make_shared<PtraceContext*>(this)) {
  auto expired = [](const std::weak_ptr<PtraceContext*>& w) { return w.expired(); };
  owned_contexts.erase(
      std::remove_if(owned_contexts.begin(), owned_contexts.end(), expired),
      owned_contexts.end());
  owned_contexts.push_back(self_);
}

PtraceContext* PtraceContext::OwnedOnThisThread(const StubProcess* stub) {
  for (const std::weak_ptr<PtraceContext*>& w : owned_contexts) {
    std::shared_ptr<PtraceContext*> self = w.lock();
    if (!self) continue;
    PtraceContext* ctx = *self;
    if (ctx->stub_.get() == stub && !ctx->thread_dead_ && !stub->dead() &&
        ctx->owner_tid_ == CurrentTid()) {
      return ctx;
    }
  }
  return nullptr;
}

absl::StatusOr<int64_t> PtraceContext::InjectSyscall(uint64_t nr, uint64_t a0,
                                                     uint64_t a1, uint64_t a2,
                                                     uint64_t a3, uint64_t a4,
                                                     uint64_t a5) {
  if (absl::Status s = CheckThread(); !s.ok()) return s;
  if (!stub_ || thread_dead_) return absl::FailedPreconditionError("no stub thread");
  shadow_valid_ = false;
  absl::StatusOr<int64_t> r =
      thread_.InjectSyscall(stub_->page(), inject_base_, nr, a0, a1, a2, a3, a4, a5);
  if (!r.ok()) return Lost(r.status());
  return r;
}

PtraceContext::~PtraceContext() {
  self_.reset();  // unregisters
  if (!stub_) return;
  if (CurrentTid() != owner_tid_) {
    spdlog::error("ptrace Context destroyed off its owning thread; its stub "
                  "thread {} stays until the address space dies",
                  thread_.tid());
    return;
  }
  Release(nullptr);
}

absl::Status PtraceContext::CheckThread() const {
  if (CurrentTid() != owner_tid_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Context used on host thread ", CurrentTid(), ", bound to ", owner_tid_));
  }
  return absl::OkStatus();
}

absl::Status PtraceContext::Lost(absl::Status s) {
  if (absl::IsUnavailable(s)) thread_dead_ = true;
  return s;
}

absl::StatusOr<Stop> PtraceContext::Switch(AddressSpace& as, CpuState& cpu) {
  if (absl::Status s = CheckThread(); !s.ok()) return s;
  auto* pas = dynamic_cast<PtraceAddressSpace*>(&as);
  if (pas == nullptr) {
    return absl::InvalidArgumentError("address space of another platform");
  }
  Stop interrupted{StopReason::kInterrupted};
  if (interrupt_.exchange(false)) return interrupted;
  if (absl::Status s = BindTo(*pas, cpu); !s.ok()) return s;
  FollowCpu();
  if (absl::Status s = LoadRegs(cpu); !s.ok()) return Lost(s);
  shadow_valid_ = false;  // set again by Run at a stop whose regs it read
  if (cpu.fp_dirty()) {
    if (absl::Status s = thread_.SetFp(cpu); !s.ok()) return Lost(s);
    cpu.set_fp_flags(/*valid=*/true, /*dirty=*/false);
  }
  {
    absl::MutexLock lock(&mu_);
    running_pid_ = thread_.pid();
    running_tid_ = thread_.tid();
  }
  // An Interrupt that saw running_tid_ == 0 set the flag before we took mu_.
  absl::StatusOr<Stop> stop = interrupted;
  if (!interrupt_.exchange(false)) {
    cpu.set_fp_flags(/*valid=*/false, /*dirty=*/false);  // the app owns it now
    stop = Run(cpu);
  }
  absl::MutexLock lock(&mu_);
  running_pid_ = running_tid_ = 0;
  return stop;
}

absl::Status PtraceContext::LoadRegs(const CpuState& cpu) {
  const uint64_t rax = cpu.regs.rax;
  // -ERESTARTSYS..-ERESTART_RESTARTBLOCK with the kernel's orig_rax still
  // >= 0 would let the kernel rewind rip: SetRegs clears orig_rax.
  const bool restart_code = rax >= uint64_t(-516) && rax <= uint64_t(-512);
  if (shadow_valid_ && !restart_code) {
    Regs want = cpu.regs;
    want.rax = shadow_.rax;
    want.orig_rax = shadow_.orig_rax;
    if (std::memcmp(&want, &shadow_, sizeof(Regs)) == 0) {
      if (rax == shadow_.rax) return absl::OkStatus();
      return thread_.PokeUser(offsetof(Regs, rax), rax);
    }
  }
  return thread_.SetRegs(cpu.regs);
}

void PtraceContext::FollowCpu() {
  const int here = sched_getcpu();  // vDSO/rseq: no syscall
  if (here < 0 || here == bound_cpu_) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(here, &set);
  // Best effort: a cpuset may forbid it; then the stub floats.
  if (sched_setaffinity(thread_.tid(), sizeof(set), &set) == 0) bound_cpu_ = here;
}

absl::StatusOr<Stop> PtraceContext::Run(CpuState& cpu) {
  for (;;) {
    if (absl::Status s = thread_.Resume(PTRACE_SYSEMU, 0); !s.ok()) return Lost(s);
    absl::StatusOr<WaitResult> w = thread_.WaitStop();
    if (!w.ok()) return Lost(w.status());
    if (w->syscall_stop()) {
      if (absl::Status s = thread_.GetRegs(cpu.regs); !s.ok()) return Lost(s);
      shadow_ = cpu.regs;
      shadow_valid_ = true;
      Stop stop{StopReason::kSyscall};
      // `syscall` makes the CPU copy the return address into rcx; the
      // 32-bit entries leave rcx alone. (An app can fake the 64-bit look
      // for a 32-bit call, which only confuses itself.)
      stop.compat_syscall = cpu.regs.rcx != cpu.regs.rip;
      return stop;
    }
    if (w->event() != 0) continue;  // group-stop or PTRACE_INTERRUPT leftovers
    const int sig = w->stop_sig();
    if (sig == kInterruptSignal) {
      if (!interrupt_.exchange(false)) continue;  // stale: suppress, go on
      if (absl::Status s = thread_.GetRegs(cpu.regs); !s.ok()) return Lost(s);
      shadow_ = cpu.regs;
      shadow_valid_ = true;
      return Stop{StopReason::kInterrupted};
    }
    if (absl::Status s = thread_.GetRegs(cpu.regs); !s.ok()) return Lost(s);
    siginfo_t info = {};
    if (absl::Status s = thread_.GetSiginfo(info); !s.ok()) return Lost(s);
    if ((sig == SIGSEGV || sig == SIGBUS) && info.si_code > 0) {
      return HandleFault(sig, info, cpu);
    }
    shadow_ = cpu.regs;  // a signal-delivery stop: regs as read
    shadow_valid_ = true;
    Stop stop{StopReason::kSignal, sig, info.si_code};
    if (sig == SIGSYS) {
      stop.fault_addr = reinterpret_cast<uint64_t>(info.si_call_addr);
    } else if (HasFaultAddr(sig) && info.si_code > 0) {
      stop.fault_addr = reinterpret_cast<uint64_t>(info.si_addr);
    }
    return stop;  // the signal is not delivered: the next Resume passes 0
  }
}

absl::StatusOr<Stop> PtraceContext::HandleFault(int sig, const siginfo_t& info,
                                                CpuState& cpu) {
  Stop stop{StopReason::kFault, sig, info.si_code,
            reinterpret_cast<uint64_t>(info.si_addr)};
  // Deliver the signal to the stub's handler, which stops at once on its
  // private signal stack; the frame has the error code (fault_frame.h).
  if (absl::Status s = thread_.Resume(PTRACE_CONT, sig); !s.ok()) return Lost(s);
  Regs handler;
  for (;;) {
    absl::StatusOr<WaitResult> w = thread_.WaitStop();
    if (!w.ok()) return Lost(w.status());
    if (absl::Status s = thread_.GetRegs(handler); !s.ok()) return Lost(s);
    if (w->stop_sig() == SIGTRAP && handler.rip == stub_->page().fault_return()) {
      break;
    }
    if (w->stop_sig() == sig) {
      // The kernel could not build the frame (signal stack unusable) and
      // forced `sig` after resetting its handler to the default for the
      // whole stub. Suppress it, re-arm the handlers, report what we know.
      spdlog::error("stub thread {}: signal frame setup failed", thread_.tid());
      for (uint64_t s : {SIGSEGV, SIGBUS}) {
        absl::StatusOr<int64_t> r = thread_.InjectSyscall(
            stub_->page(), inject_base_, SYS_rt_sigaction, s, stub_->page().sigaction(), 0, 8);
        if (!r.ok()) return Lost(r.status());
        if (absl::Status st = SyscallResultStatus(*r, "rt_sigaction"); !st.ok()) return st;
      }
      return stop;
    }
    // Anything else (an Interrupt's signal): suppress; the flag stays set.
    if (absl::Status s = thread_.Resume(PTRACE_CONT, 0); !s.ok()) return Lost(s);
  }
  absl::StatusOr<FaultFrame> frame = ReadFaultFrame(
      thread_.pid(), handler.rsp,
      stub_->page().AltStackAddr(slot_) + kAltStackSize, cpu);
  if (!frame.ok()) return frame.status();
  stop.access = frame->access;
  stop.trapno = frame->trapno;
  stop.error_code = frame->error_code;
  return stop;
}

absl::Status PtraceContext::PullFpState(CpuState& cpu) {
  if (absl::Status s = CheckThread(); !s.ok()) return s;
  if (cpu.fp_valid()) return absl::OkStatus();
  if (!stub_ || thread_dead_) {
    return absl::FailedPreconditionError("no live stub thread holds the FP state");
  }
  return Lost(thread_.GetFp(cpu));
}

void PtraceContext::Interrupt() {
  interrupt_.store(true);
  absl::MutexLock lock(&mu_);
  if (running_tid_ != 0) {
    syscall(SYS_tgkill, running_pid_, running_tid_, kInterruptSignal);
  }
}

absl::Status PtraceContext::BindTo(PtraceAddressSpace& as, CpuState& cpu) {
  if (stub_ == as.stub() && !thread_dead_ && !stub_->dead()) {
    return absl::OkStatus();
  }
  if (stub_) Release(&cpu);
  absl::StatusOr<int> slot = as.stub()->AllocSlot();
  if (!slot.ok()) return slot.status();
  absl::StatusOr<pid_t> tid = as.NewThread(*slot);
  if (!tid.ok()) {
    as.stub()->FreeSlot(*slot);
    return tid.status();
  }
  stub_ = as.stub();
  slot_ = *slot;
  thread_ = Tracee(stub_->pid(), *tid);
  thread_dead_ = false;
  shadow_valid_ = false;
  bound_cpu_ = -1;
  if (absl::Status s = Seize(*tid); !s.ok()) {
    Release(nullptr);
    return s;
  }
  // The new thread has the init FP state; the app's must be loaded.
  if (cpu.fp_valid()) cpu.set_fp_flags(/*valid=*/true, /*dirty=*/true);
  return absl::OkStatus();
}

absl::Status PtraceContext::Seize(pid_t tid) {
  if (::ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) != 0) {
    return Lost(absl::InternalError(absl::StrCat("PTRACE_SEIZE ", tid, ": ", strerror(errno))));
  }
  if (::ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0) {
    return Lost(absl::UnavailableError(absl::StrCat("PTRACE_INTERRUPT: ", strerror(errno))));
  }
  // The thread may still be on its way to its pause() loop (it first runs
  // sigaltstack): single-step it to the loop's first instruction, never
  // into the pause() itself. Each step leaves it stopped.
  const StubPage& page = stub_->page();
  for (int i = 0; i < kMaxSteps; ++i) {
    absl::StatusOr<WaitResult> w = thread_.WaitStop();
    if (!w.ok()) return Lost(w.status());
    Regs regs;
    if (absl::Status s = thread_.GetRegs(regs); !s.ok()) return Lost(s);
    if (regs.rip >= page.spin_begin() && regs.rip < page.spin_end()) {
      if (regs.r13 != 0) {
        return absl::InternalError(absl::StrCat(
            "stub thread sigaltstack failed: ", static_cast<int64_t>(regs.r13)));
      }
      inject_base_ = regs;
      return absl::OkStatus();
    }
    if (absl::Status s = thread_.Resume(PTRACE_SINGLESTEP, 0); !s.ok()) return Lost(s);
  }
  if (absl::StatusOr<WaitResult> w = thread_.WaitStop(); !w.ok()) return Lost(w.status());
  return absl::InternalError("new stub thread never reached its spin loop");
}

void PtraceContext::Release(CpuState* cpu) {
  if (!stub_) return;
  bool ending = thread_dead_ || stub_->dead();
  if (!ending) {
    if (cpu != nullptr && !cpu->fp_valid()) {
      if (thread_.GetFp(*cpu).ok()) cpu->set_fp_flags(/*valid=*/true, /*dirty=*/true);
    }
    Regs regs;
    if (thread_.GetRegs(regs).ok()) {
      regs.rip = stub_->page().syscall();
      regs.rax = SYS_exit;  // ends this thread only
      regs.rdi = 0;
      ending = thread_.SetRegs(regs).ok() && thread_.Resume(PTRACE_CONT, 0).ok();
    }
  }
  // Reap the thread: it exits (injected exit) or dies (stub killed).
  while (ending) {
    absl::StatusOr<WaitResult> w = thread_.Wait();
    if (!w.ok() || !w->stopped()) break;
    // A stop on the way out (e.g. a pending signal): let it go on.
    if (!thread_.Resume(PTRACE_CONT, 0).ok()) break;
  }
  if (!ending) {
    spdlog::error("could not end stub thread {}; it stays until its address "
                  "space dies", thread_.tid());
  }
  stub_->FreeSlot(slot_);
  stub_.reset();
  thread_ = Tracee();
  slot_ = -1;
  thread_dead_ = false;
}

}  // namespace platform::ptrace
