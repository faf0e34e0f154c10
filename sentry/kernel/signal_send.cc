// The sending side of signals: queueing with Linux's rules for ignored,
// stop and continue signals, choosing a thread to handle a process signal,
// and group exit.
#include <csignal>

#include "sentry/kernel/kernel.h"

namespace sentry::kernel {
namespace {

constexpr SigSet kStopSignals = SigBit(SIGSTOP) | SigBit(SIGTSTP) | SigBit(SIGTTIN) |
                                SigBit(SIGTTOU);

bool IgnoredBy(const SigAction& act, int sig) {
  if (act.handler == kSigIgn) return true;
  return act.handler == kSigDfl &&
         (DefaultActionFor(sig) == DefaultAction::kIgnore || sig == SIGCONT);
}

void Send(Kernel& k, ThreadGroup& tg, Task* target, const siginfo_t& info)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(k.mu()) {
  const int sig = info.si_signo;
  if (tg.zombie || tg.group_exiting || tg.tasks.empty()) return;
  if (sig == SIGKILL) {
    k.GroupExitLocked(tg, WaitStatusSignaled(SIGKILL));
    return;
  }
  if ((SigBit(sig) & kStopSignals) != 0) {
    tg.pending.Discard(SigBit(SIGCONT));
    for (Task* t : tg.tasks) t->pending().Discard(SigBit(SIGCONT));
  }
  if (sig == SIGCONT) {
    tg.pending.Discard(kStopSignals);
    for (Task* t : tg.tasks) t->pending().Discard(kStopSignals);
    k.ContinueGroupLocked(tg);
  }
  Task* judge = target != nullptr ? target : tg.tasks.front();
  if (IgnoredBy(tg.handlers->of(sig), sig) && (judge->signal_mask() & SigBit(sig)) == 0) {
    return;
  }
  PendingSignals& q = target != nullptr ? target->pending() : tg.pending;
  if (!q.Enqueue(info)) return;
  tg.signal_events.Notify(kEventIn);
  // A task takes the signal if it does not block it or waits for it in
  // rt_sigtimedwait.
  auto takes = [sig](Task* t) {
    return ((t->signal_mask() & ~t->sigwait_set()) & SigBit(sig)) == 0;
  };
  Task* wake = target;
  if (wake == nullptr) {
    for (Task* t : tg.tasks) {
      if (takes(t)) {
        wake = t;
        break;
      }
    }
  }
  if (wake != nullptr && takes(wake)) wake->Interrupt();
}

}  // namespace

void Kernel::SendGroupSignalLocked(ThreadGroup& tg, const siginfo_t& info) {
  Send(*this, tg, nullptr, info);
}

void Kernel::SendTaskSignalLocked(Task& t, const siginfo_t& info) {
  Send(*this, t.tg(), &t, info);
}

void Kernel::GroupExitLocked(ThreadGroup& tg, int wait_status) {
  if (tg.group_exiting) return;
  tg.group_exiting = true;
  tg.group_exit_status = wait_status;
  tg.stopped = false;
  for (Task* t : tg.tasks) t->MarkKilledLocked();
}

bool Kernel::MaySignal(const Credentials& sender, const Task& target) const {
  constexpr uint64_t kCapKill = 1ull << 5;
  if ((sender.cap_effective & kCapKill) != 0) return true;
  const Credentials& c = target.creds();
  return sender.euid == c.uid || sender.euid == c.suid || sender.uid == c.uid ||
         sender.uid == c.suid;
}

}  // namespace sentry::kernel
