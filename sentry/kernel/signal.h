// signal.h: signal sets, dispositions and queued signals as Linux keeps them.
//
// Layouts are the kernel's x86-64 ABI: a SigSet is the 8-byte kernel sigset
// (bit sig-1), SigAction is `struct k_sigaction` as rt_sigaction(2) copies
// it, siginfo is the 128-byte siginfo_t.
#ifndef SENTRY_KERNEL_SIGNAL_H_
#define SENTRY_KERNEL_SIGNAL_H_

#include <signal.h>

#include <array>
#include <cstdint>
#include <deque>

namespace sentry::kernel {

inline constexpr int kMaxSignal = 64;
inline constexpr int kSigRtMin = 32;

using SigSet = uint64_t;
constexpr SigSet SigBit(int sig) { return 1ull << (sig - 1); }
inline constexpr SigSet kUnblockable = SigBit(SIGKILL) | SigBit(SIGSTOP);
constexpr bool ValidSignal(int sig) { return sig >= 1 && sig <= kMaxSignal; }

// The internal "restart" returns of Linux: never seen by the app. A handler
// returns one when a signal interrupted it; signal delivery turns it into
// EINTR or restarts the call (see Task::DeliverSignals).
inline constexpr int kERestartSys = 512;          // restart unless handler w/o SA_RESTART
inline constexpr int kERestartNoIntr = 513;       // always restart
inline constexpr int kERestartNoHand = 514;       // restart only if no handler ran
inline constexpr int kERestartRestartBlock = 516;  // restart via restart_syscall

// struct k_sigaction (rt_sigaction's layout on x86-64).
struct SigAction {
  uint64_t handler = 0;  // SIG_DFL (0), SIG_IGN (1) or an address
  uint64_t flags = 0;
  uint64_t restorer = 0;
  SigSet mask = 0;
};
static_assert(sizeof(SigAction) == 32);
inline constexpr uint64_t kSigDfl = 0;
inline constexpr uint64_t kSigIgn = 1;
inline constexpr uint64_t kSaRestorer = 0x04000000;

// The default action of a signal with handler SIG_DFL.
enum class DefaultAction { kTerminate, kCore, kStop, kContinue, kIgnore };
DefaultAction DefaultActionFor(int sig);

// Signal dispositions; shared between tasks by CLONE_SIGHAND. Guarded by
// the Kernel's mutex.
struct SignalHandlers {
  std::array<SigAction, kMaxSignal> actions{};  // index sig-1
  SigAction& of(int sig) { return actions[sig - 1]; }
};

// Signals pending for a task or a thread group. Standard signals (< 32)
// queue at most one instance; real-time signals queue every instance in
// order. Guarded by the Kernel's mutex.
class PendingSignals {
 public:
  // Queues `info` (si_signo set). False if a standard signal was already
  // pending (the new one is merged away).
  bool Enqueue(const siginfo_t& info);
  // Dequeues the lowest-numbered pending signal not in `blocked`.
  bool Dequeue(SigSet blocked, siginfo_t* out);
  // Removes every pending instance of the signals in `set`.
  void Discard(SigSet set);
  SigSet set() const { return set_; }

 private:
  SigSet set_ = 0;
  std::array<std::deque<siginfo_t>, kMaxSignal> queues_;
};

// siginfo for a signal sent by kill(2)-like calls.
siginfo_t MakeSigInfo(int sig, int code, int pid = 0, uint32_t uid = 0);

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_SIGNAL_H_
