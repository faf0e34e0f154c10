// stub.h: one stub process = one app address space.
//
// Fork() starts a clean stub from the Sentry: it holds no host descriptor except the
// memory file at kStubMemoryFd, no signal handler or blocked signal it
// inherited, no host mapping except the stub code page (and, later, its
// per-thread signal stacks), runs under the seccomp filter of
// stub_filter.h, and dies with the Sentry (PR_SET_PDEATHSIG(SIGKILL) on the
// tracer thread, PTRACE_O_EXITKILL). Its first thread, the leader, only ever
// runs injected syscalls; app code runs in threads made by CloneThread().
//
// The platform forks the Sentry once, for a template stub that never runs
// app code, and makes every address space with Spawn(): a fork injected into
// the template, which copies one page table instead of the Sentry's. A
// spawned stub inherits the template's cleanliness (fds, filter, handlers)
// and ptrace options, is auto-attached to the TracerThread, and gets
// PR_SET_PDEATHSIG(SIGKILL) itself: it dies with the template, which dies
// with the Sentry. The template ignores SIGCHLD, so its dead children are
// released once the TracerThread has reaped them as their tracer.
//
// All methods except the accessors run on the TracerThread (the leader's
// tracer).
#ifndef PLATFORM_PTRACE_STUB_H_
#define PLATFORM_PTRACE_STUB_H_

#include <sys/types.h>

#include <atomic>
#include <bitset>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "platform/cpu_state.h"
#include "platform/ptrace/stub_page.h"
#include "platform/ptrace/tracee.h"

namespace platform::ptrace {

class StubProcess {
 public:
  // Forks a stub holding `memfd` and returns it stopped and cleaned.
  static absl::StatusOr<std::unique_ptr<StubProcess>> Fork(
      const StubPage& page, int memfd);
  // Makes a new stub as a fork of this one (see above). For a stub that runs
  // no app code (the template).
  absl::StatusOr<std::unique_ptr<StubProcess>> Spawn();
  ~StubProcess();  // kills the stub if Kill() was not called

  pid_t pid() const { return leader_.pid(); }
  const StubPage& page() const { return page_; }
  bool dead() const { return dead_.load(std::memory_order_acquire); }

  // Runs a syscall in the leader; returns its raw result.
  absl::StatusOr<int64_t> Syscall(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0,
                                  uint64_t a2 = 0, uint64_t a3 = 0,
                                  uint64_t a4 = 0, uint64_t a5 = 0);

  // Creates a new stub thread with signal stack `slot` and returns its tid.
  // The thread is untraced, spinning in the stub page until a tracer seizes
  // it (see Context).
  absl::StatusOr<pid_t> CloneThread(int slot);

  // SIGKILLs the whole stub. Returns the leader pid for reaping.
  pid_t Kill();

  // Signal-stack slots; thread-safe.
  absl::StatusOr<int> AllocSlot();
  void FreeSlot(int slot);

 private:
  StubProcess(const StubPage& page, pid_t pid) : page_(page), leader_(pid, pid) {}
  absl::Status Init();
  absl::Status InitSpawned(pid_t parent);
  // Pins the leader to the CPU the tracer thread runs on (see Context).
  void FollowCpu();

  const StubPage& page_;
  Tracee leader_;
  Regs leader_regs_ = {};
  std::atomic<bool> dead_{false};
  std::bitset<kMaxStubThreads> slot_mapped_;  // tracer thread only
  int bound_cpu_ = -1;                         // tracer thread only

  absl::Mutex mu_;
  std::bitset<kMaxStubThreads> slot_used_ ABSL_GUARDED_BY(mu_);
};

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_STUB_H_
