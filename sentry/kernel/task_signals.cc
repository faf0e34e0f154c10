// The receiving side of signals: masks, dequeueing, default actions, job
// control stops, syscall restart, and forced (fault) signals.
#include <sys/syscall.h>

#include <csignal>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "spdlog/spdlog.h"

namespace sentry::kernel {

SigSet Task::DeliverableLocked() const {
  return (pending_.set() | tg_->pending.set()) & ~mask_;
}

bool Task::NeedsAttentionLocked() const {
  return DeliverableLocked() != 0 || killed() || tg_->stopped;
}

void Task::ClearStaleInterruptLocked() {
  if (!NeedsAttentionLocked() && restart_code_ == 0) {
    interrupt_.store(false, std::memory_order_release);
  }
}

void Task::SetSignalMaskLocked(SigSet mask) {
  mask_ = mask & ~kUnblockable;
  if (DeliverableLocked() != 0) Interrupt();
}

void Task::SetSignalMask(SigSet mask) {
  absl::MutexLock l(&kernel_.mu());
  SetSignalMaskLocked(mask);
}

void Task::SetSavedMaskLocked(SigSet temporary) {
  saved_mask_ = mask_;
  has_saved_mask_ = true;
  SetSignalMaskLocked(temporary);
}

void Task::MarkKilledLocked() {
  killed_ = true;
  Interrupt();
}

bool Task::OnAltStack(uint64_t sp) const {
  if ((altstack_.ss_flags & SS_DISABLE) != 0) return false;
  uint64_t base = reinterpret_cast<uint64_t>(altstack_.ss_sp);
  return sp > base && sp - base <= altstack_.ss_size;
}

void Task::ForceSignal(const siginfo_t& info) {
  absl::MutexLock l(&kernel_.mu());
  int sig = info.si_signo;
  SigAction& act = tg_->handlers->of(sig);
  bool blocked = (mask_ & SigBit(sig)) != 0;
  if (blocked || act.handler == kSigIgn) {
    act.handler = kSigDfl;
    mask_ &= ~SigBit(sig);
  }
  pending_.Enqueue(info);
  interrupt_.store(true, std::memory_order_release);
}

void Task::FixupRestart(bool handler_ran, uint64_t sa_flags) {
  if (restart_code_ == 0) return;
  int64_t code = restart_code_;
  restart_code_ = 0;
  bool restart;
  if (!handler_ran) {
    restart = true;
  } else if (code == kERestartSys) {
    restart = (sa_flags & SA_RESTART) != 0;
  } else {
    restart = code == kERestartNoIntr;
  }
  if (!restart) {
    cpu_.set_return(static_cast<uint64_t>(-static_cast<int64_t>(EINTR)));
    return;
  }
  // Re-execute the 2-byte `syscall` instruction.
  cpu_.regs.rax = code == kERestartRestartBlock ? SYS_restart_syscall : restart_nr_;
  cpu_.regs.rip -= 2;
}

void Task::DeliverSignals() {
  for (;;) {
    siginfo_t info;
    SigAction act;
    SigSet frame_mask = 0;
    {
      absl::MutexLock l(&kernel_.mu());
      // Job control: sleep while the group is stopped.
      while (!killed_ && tg_->stopped) {
        interrupt_.store(false, std::memory_order_release);
        kernel_.mu().Unlock();
        waiter_.Wait();
        kernel_.mu().Lock();
      }
      if (killed_) {
        exiting_ = true;
        return;
      }
      interrupt_.store(false, std::memory_order_release);
      if (!pending_.Dequeue(mask_, &info) && !tg_->pending.Dequeue(mask_, &info)) {
        if (has_saved_mask_) {
          mask_ = saved_mask_;
          has_saved_mask_ = false;
        }
        break;
      }
      int sig = info.si_signo;
      act = tg_->handlers->of(sig);
      if (act.handler == kSigIgn) continue;
      if (act.handler == kSigDfl) {
        switch (DefaultActionFor(sig)) {
          case DefaultAction::kIgnore:
          case DefaultAction::kContinue:
            continue;
          case DefaultAction::kStop:
            kernel_.StopGroupLocked(*tg_, sig);
            continue;
          case DefaultAction::kTerminate:
          case DefaultAction::kCore:
            kernel_.GroupExitLocked(*tg_, WaitStatusSignaled(sig));
            exiting_ = true;
            return;
        }
      }
      frame_mask = has_saved_mask_ ? saved_mask_ : mask_;
      has_saved_mask_ = false;
      SigSet new_mask = mask_ | act.mask;
      if ((act.flags & SA_NODEFER) == 0) new_mask |= SigBit(sig);
      mask_ = new_mask & ~kUnblockable;
      if ((act.flags & SA_RESETHAND) != 0) tg_->handlers->of(sig) = SigAction{};
    }
    FixupRestart(true, act.flags);
    if (!SetupFrame(info, act, frame_mask)) {
      spdlog::debug("tid {}: cannot write the frame for signal {}", tid_, info.si_signo);
      absl::MutexLock l(&kernel_.mu());
      tg_->handlers->of(SIGSEGV) = SigAction{};
      kernel_.GroupExitLocked(*tg_, WaitStatusSignaled(SIGSEGV));
      exiting_ = true;
      return;
    }
  }
  FixupRestart(false, 0);
}

}  // namespace sentry::kernel
