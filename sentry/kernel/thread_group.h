// thread_group.h: a process: the tasks sharing one PID, its place in the
// process tree, shared signal state, and its exit/stop reports to the
// parent. All fields are guarded by Kernel::mu() unless noted.
#ifndef SENTRY_KERNEL_THREAD_GROUP_H_
#define SENTRY_KERNEL_THREAD_GROUP_H_

#include <sys/resource.h>

#include <array>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/wait_queue.h"

namespace sentry::kernel {

class Task;
class ProcessTimers;

struct ThreadGroup {
  int tgid = 0;
  // Null for init (and after the parent was reaped: then init adopts).
  ThreadGroup* parent = nullptr;
  std::vector<ThreadGroup*> children;
  std::vector<Task*> tasks;  // live threads
  int leader_tid = 0;

  std::shared_ptr<SignalHandlers> handlers;
  PendingSignals pending;  // signals sent to the process
  int exit_signal = SIGCHLD;  // sent to the parent at exit (clone's low byte)

  // exit_group or a fatal signal: every task is leaving; `group_exit_status`
  // is the wait status.
  bool group_exiting = false;
  int group_exit_status = 0;
  // All tasks exited: the process waits to be reaped with `wait_status`.
  bool zombie = false;
  int wait_status = 0;

  // Job control: a stop signal stopped the group (until SIGCONT or SIGKILL).
  bool stopped = false;
  int stop_signal = 0;
  bool stop_unreported = false;      // for WUNTRACED
  bool continue_unreported = false;  // for WCONTINUED

  int pgid = 0;
  int sid = 0;
  bool subreaper = false;
  bool dumpable = true;
  uint32_t personality = 0;  // PER_LINUX plus flags
  std::array<struct rlimit, RLIM_NLIMITS> limits{};

  // CPU time of exited threads, and of reaped children (times(2),
  // RUSAGE_CHILDREN).
  absl::Duration utime, stime;
  absl::Duration children_utime, children_stime;
  absl::Time start_time = absl::Now();

  // Notified (kEventChild) when a child exits, stops or continues; waiters
  // are wait4/waitid callers of this process. Has its own lock.
  WaitQueue child_events;
  // Notified (kEventIn) when a signal becomes pending for the process or
  // one of its threads (signalfd readers and pollers). Has its own lock.
  WaitQueue signal_events;

  // Interval and POSIX timers, nice and affinity (timers.h); created
  // lazily under mu. Last member: destroyed (its thread stopped) first.
  std::shared_ptr<ProcessTimers> timers;
};

// Linux wait statuses.
constexpr int WaitStatusExited(int code) { return (code & 0xff) << 8; }
constexpr int WaitStatusSignaled(int sig) { return sig & 0x7f; }
constexpr int WaitStatusStopped(int sig) { return ((sig & 0xff) << 8) | 0x7f; }
inline constexpr int kWaitStatusContinued = 0xffff;

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_THREAD_GROUP_H_
