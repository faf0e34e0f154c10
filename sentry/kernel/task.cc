#include "sentry/kernel/task.h"

#include <sys/syscall.h>

#include <csignal>

#include "base/fmt_absl.h"
#include "sentry/kernel/kernel.h"
#include "spdlog/spdlog.h"

namespace sentry::kernel {

Credentials Credentials::ForUser(uint32_t uid, uint32_t gid) {
  Credentials c;
  c.uid = c.euid = c.suid = c.fsuid = uid;
  c.gid = c.egid = c.sgid = c.fsgid = gid;
  if (uid == 0) {
    // CAP_LAST_CAP is 40 on Linux 6.1.
    c.cap_effective = c.cap_permitted = (1ull << 41) - 1;
  }
  return c;
}

Task::Task(Kernel& kernel, std::shared_ptr<ThreadGroup> tg, int tid)
    : kernel_(kernel), tg_(std::move(tg)), tid_(tid) {}

Task::~Task() = default;

int Task::tgid() const { return tg_->tgid; }

UtsInfo Task::uts() const { return kernel_.uts(); }

absl::Status Task::PullFp() {
  if (cpu_.fp_valid() || own_ctx_ == nullptr) return absl::OkStatus();
  return own_ctx_->PullFpState(cpu_);
}

namespace {
thread_local Task* current_task = nullptr;
}  // namespace

Task* Task::Current() { return current_task; }

absl::Status Task::Run() {
  current_task = this;
  // Thread rule: the Context belongs to this (the task's) host thread.
  auto ctx = kernel_.platform().NewContext();
  if (!ctx.ok()) {
    absl::MutexLock l(&kernel_.mu());
    kernel_.GroupExitLocked(*tg_, WaitStatusSignaled(SIGKILL));
    return ctx.status();
  }
  {
    absl::MutexLock l(&ctx_mu_);
    ctx_ = ctx->get();
  }
  own_ctx_ = ctx->get();
  absl::Status status;
  for (;;) {
    if (interrupt_.load(std::memory_order_acquire)) DeliverSignals();
    if (exiting_) break;
    auto stop = own_ctx_->Switch(mm_->address_space(), cpu_);
    if (!stop.ok()) {
      status = stop.status();
      absl::MutexLock l(&kernel_.mu());
      kernel_.GroupExitLocked(*tg_, WaitStatusSignaled(SIGKILL));
      exiting_ = true;
      break;
    }
    switch (stop->reason) {
      case platform::StopReason::kSyscall:
        if (stop->compat_syscall) {
          // 32-bit entry points are not supported: -ENOSYS, as a kernel
          // without IA32_EMULATION does.
          cpu_.set_return(static_cast<uint64_t>(-static_cast<int64_t>(ENOSYS)));
          break;
        }
        HandleSyscall();
        break;
      case platform::StopReason::kFault:
        HandleFault(*stop);
        break;
      case platform::StopReason::kSignal:
        HandleHostSignal(*stop);
        break;
      case platform::StopReason::kInterrupted:
        break;
    }
  }
  {
    absl::MutexLock l(&ctx_mu_);
    ctx_ = nullptr;
  }
  own_ctx_ = nullptr;
  ctx->reset();  // on this thread, before it exits (thread rule)
  return status;
}

void Task::HandleSyscall() {
  SyscallArguments a;
  a.nr = cpu_.syscall_no();
  for (int i = 0; i < 6; ++i) a.args[i] = cpu_.arg(i);
  absl::Time t0 = absl::Now();
  SyscallReturn r = kernel_.dispatcher().Dispatch(*this, a);
  sys_time_ns_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - t0), std::memory_order_relaxed);
  if (exiting_) return;
  int64_t v = r.value;
  if (a.nr != SYS_rt_sigreturn && (v == -kERestartSys || v == -kERestartNoIntr || v == -kERestartNoHand ||
      v == -kERestartRestartBlock)) {
    restart_code_ = -v;
    restart_nr_ = a.nr;
    // If no signal turns up after all, the call restarts.
    interrupt_.store(true, std::memory_order_release);
  }
  cpu_.set_return(static_cast<uint64_t>(v));
}

void Task::HandleFault(const platform::Stop& stop) {
  ErrnoResult r = mm_->HandleFault(stop.fault_addr, stop.access);
  if (r.ok()) return;
  int err = r.error().value();
  siginfo_t info{};
  if (err == EIO || err == ENOMEM) {
    info = MakeSigInfo(SIGBUS, BUS_ADRERR);
  } else {
    info = MakeSigInfo(SIGSEGV, err == EACCES ? SEGV_ACCERR : SEGV_MAPERR);
  }
  info.si_addr = reinterpret_cast<void*>(stop.fault_addr);
  spdlog::debug("fault at {:#x} (rip {:#x}): errno {} -> signal {}", stop.fault_addr, cpu_.ip(),
                err, info.si_signo);
  ForceSignal(info);
}

void Task::HandleHostSignal(const platform::Stop& stop) {
  siginfo_t info = MakeSigInfo(stop.signo, stop.code);
  info.si_addr = reinterpret_cast<void*>(stop.fault_addr);
  if (stop.signo == SIGSEGV || stop.signo == SIGBUS) {
    // A fault the platform could not classify (general protection): Linux
    // reports SI_KERNEL with address 0.
    info.si_code = SI_KERNEL;
    info.si_addr = nullptr;
  }
  ForceSignal(info);
}

void Task::Interrupt() {
  interrupt_.store(true, std::memory_order_release);
  waiter_.Notify();
  absl::MutexLock l(&ctx_mu_);
  if (ctx_ != nullptr) ctx_->Interrupt();
}

ErrnoResult Task::Block(absl::Time deadline) {
  if (interrupt_.load(std::memory_order_acquire)) return Errno(EINTR);
  bool notified = waiter_.Wait(deadline);
  if (interrupt_.load(std::memory_order_acquire)) return Errno(EINTR);
  if (!notified) return Errno(ETIMEDOUT);
  return {};
}

void Task::ExitThread(int code) {
  exit_code_ = code & 0xff;
  exiting_ = true;
}

void Task::ExitGroup(int code) {
  absl::MutexLock l(&kernel_.mu());
  kernel_.GroupExitLocked(*tg_, WaitStatusExited(code));
}

absl::Duration Task::stime() const {
  return absl::Nanoseconds(sys_time_ns_.load(std::memory_order_relaxed));
}

absl::Duration Task::utime() const {
  absl::Duration total = absl::Now() - start_;
  absl::Duration sys = stime();
  return total > sys ? total - sys : absl::ZeroDuration();
}

}  // namespace sentry::kernel
