#include "sentry/kernel/task.h"

#include <csignal>

#include "base/fmt_absl.h"
#include "spdlog/spdlog.h"

namespace sentry::kernel {

absl::Status Task::Run() {
  // Thread rule: the Context belongs to this (the task's) host thread.
  auto ctx = platform_.NewContext();
  if (!ctx.ok()) {
    Kill(SIGKILL);
    return ctx.status();
  }
  while (!exited_) {
    auto stop = (*ctx)->Switch(mm_.address_space(), cpu_);
    if (!stop.ok()) {
      Kill(SIGKILL);
      return stop.status();
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
        spdlog::info("task killed by signal {} at {:#x}", stop->signo, cpu_.ip());
        Kill(stop->signo);
        break;
      case platform::StopReason::kInterrupted:
        break;
    }
  }
  return absl::OkStatus();
}

void Task::HandleSyscall() {
  SyscallArguments a;
  a.nr = cpu_.syscall_no();
  for (int i = 0; i < 6; ++i) a.args[i] = cpu_.arg(i);
  SyscallReturn r = dispatcher_.Dispatch(*this, a);
  if (!exited_) cpu_.set_return(static_cast<uint64_t>(r.value));
}

void Task::HandleFault(const platform::Stop& stop) {
  ErrnoResult r = mm_.HandleFault(stop.fault_addr, stop.access);
  if (r.ok()) return;
  int err = r.error().value();
  int sig = (err == EIO || err == ENOMEM) ? SIGBUS : SIGSEGV;
  spdlog::debug("fault at {:#x} (rip {:#x}): errno {} -> signal {}", stop.fault_addr,
                cpu_.ip(), err, sig);
  Kill(sig);
}

}  // namespace sentry::kernel
