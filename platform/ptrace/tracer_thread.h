// tracer_thread.h: the one long-lived host thread that forks and traces
// every stub process's first thread (its "leader").
//
// Why one thread: ptrace binds a tracee to the thread that attached it, and
// PR_SET_PDEATHSIG fires when the *thread* that forked the child exits. So
// all forks and all leader ptrace calls (address-space changes, thread
// creation) are funneled to this thread, which lives as long as the
// Platform. When it exits (Platform destroyed, or Sentry death), every stub
// gets SIGKILL.
#ifndef PLATFORM_PTRACE_TRACER_THREAD_H_
#define PLATFORM_PTRACE_TRACER_THREAD_H_

#include <sys/types.h>

#include <deque>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace platform::ptrace {

class TracerThread {
 public:
  TracerThread();
  ~TracerThread();  // joins the thread
  TracerThread(const TracerThread&) = delete;
  TracerThread& operator=(const TracerThread&) = delete;

  // Runs `fn` on the tracer thread and returns when it is done. Thread-safe.
  // Called on the tracer thread itself, runs `fn` directly.
  void Run(absl::FunctionRef<void()> fn);

  // Tracer thread only: remembers a killed stub process to reap later
  // without blocking.
  void AddZombie(pid_t pid);

 private:
  struct Job {
    absl::FunctionRef<void()> fn;
    bool done = false;
  };
  void Loop();
  void ReapZombies();

  absl::Mutex mu_;
  std::deque<Job*> jobs_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<pid_t> zombies_;  // tracer thread only
  std::thread thread_;
};

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_TRACER_THREAD_H_
