#include "sentry/kernel/signal.h"

#include <cstring>

namespace sentry::kernel {

DefaultAction DefaultActionFor(int sig) {
  switch (sig) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
      return DefaultAction::kIgnore;
    case SIGCONT:
      return DefaultAction::kContinue;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return DefaultAction::kStop;
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS:
      return DefaultAction::kCore;
    default:
      return DefaultAction::kTerminate;
  }
}

bool PendingSignals::Enqueue(const siginfo_t& info) {
  int sig = info.si_signo;
  if (sig < kSigRtMin && (set_ & SigBit(sig)) != 0) return false;
  queues_[sig - 1].push_back(info);
  set_ |= SigBit(sig);
  return true;
}

bool PendingSignals::Dequeue(SigSet blocked, siginfo_t* out) {
  SigSet ready = set_ & ~blocked;
  if (ready == 0) return false;
  // Synchronous fault signals first, as Linux does.
  constexpr SigSet kSync = SigBit(SIGSEGV) | SigBit(SIGBUS) | SigBit(SIGILL) |
                           SigBit(SIGTRAP) | SigBit(SIGFPE) | SigBit(SIGSYS);
  SigSet pick = (ready & kSync) != 0 ? (ready & kSync) : ready;
  int sig = __builtin_ctzll(pick) + 1;
  auto& q = queues_[sig - 1];
  *out = q.front();
  q.pop_front();
  if (q.empty()) set_ &= ~SigBit(sig);
  return true;
}

void PendingSignals::Discard(SigSet set) {
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    if ((set & SigBit(sig)) != 0) queues_[sig - 1].clear();
  }
  set_ &= ~set;
}

siginfo_t MakeSigInfo(int sig, int code, int pid, uint32_t uid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  info.si_signo = sig;
  info.si_code = code;
  info.si_pid = pid;
  info.si_uid = uid;
  return info;
}

}  // namespace sentry::kernel
