// task.h: one app thread and its run loop.
//
// Thread rule: a Task's platform Context is created inside Run(), on the
// host thread that runs the task, and used only there. Everything marked
// "own thread" is touched only by that thread; fields marked "mu" are
// guarded by Kernel::mu().
//
// Run loop: deliver pending signals -> Switch ->
//   kSyscall      dispatch through the SyscallDispatcher; a handler that
//                 returns a restart code (kERestartSys...) is restarted or
//                 turned into EINTR by signal delivery, as Linux does.
//   kFault        mm.HandleFault; EFAULT/EACCES raise SIGSEGV (MAPERR/ACCERR),
//                 EIO/ENOMEM SIGBUS, with si_addr.
//   kSignal       the platform's SIGILL/SIGFPE/SIGTRAP/SIGSYS is forced on
//                 the task with its si_code and address.
//   kInterrupted  someone queued a signal or killed the task.
// Run() returns after the task exited (exit, exit_group, fatal signal,
// execve by another thread, platform failure); the Kernel then reaps it.
#ifndef SENTRY_KERNEL_TASK_H_
#define SENTRY_KERNEL_TASK_H_

#include <signal.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "platform/cpu_state.h"
#include "platform/platform.h"
#include "sentry/errno.h"
#include "sentry/kernel/fd_table.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/wait_queue.h"
#include "sentry/mm/memory_manager.h"

namespace sentry::vfs {
class Mount;
class Dentry;
}  // namespace sentry::vfs

namespace sentry::kernel {

// The six arguments of a syscall, as the app passed them.
struct SyscallArguments {
  uint64_t nr = 0;
  uint64_t args[6] = {};
  uint64_t operator[](int i) const { return args[i]; }
};

// What a handler returns: the raw rax value (negative errno on failure).
struct SyscallReturn {
  int64_t value = 0;
  static SyscallReturn Ok(int64_t v) { return {v}; }
  static SyscallReturn Err(int errno_value) { return {-static_cast<int64_t>(errno_value)}; }
  static SyscallReturn From(Errno e) { return Err(e.value()); }
};

class Task;
class Kernel;
struct ThreadGroup;

// Implemented by the syscall table (sentry/syscalls).
class SyscallDispatcher {
 public:
  virtual ~SyscallDispatcher() = default;
  virtual SyscallReturn Dispatch(Task& t, const SyscallArguments& args) = 0;
};

// A task's identity. Copied at clone; changed by the set*id calls.
struct Credentials {
  uint32_t uid = 0, euid = 0, suid = 0, fsuid = 0;
  uint32_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::vector<uint32_t> groups;
  // Capability sets (bit per CAP_*): full for root, empty otherwise.
  uint64_t cap_effective = 0, cap_permitted = 0, cap_inheritable = 0;
  // PR_SET_KEEPCAPS: leaving uid 0 keeps the permitted set (cleared by
  // execve, as Linux's SECBIT_KEEP_CAPS).
  bool keep_caps = false;
  static Credentials ForUser(uint32_t uid, uint32_t gid);
};

// Host-visible facts of the sandbox, from the boot spec.
struct UtsInfo {
  std::string sysname = "Linux";
  std::string hostname = "sandbox";
  std::string release = "6.1.0-gsandbox";
  std::string version = "#1 SMP gsandbox";
  std::string machine = "x86_64";
  std::string domainname = "(none)";
};

// Working directory, root and umask; shared by CLONE_FS. The directories
// are VFS (mount, dentry) pairs (sentry/vfs); null when the kernel has no
// VFS root (tests). vfs::PathOf gives getcwd's string.
struct FsContext {
  absl::Mutex mu;
  std::shared_ptr<vfs::Mount> root_mount ABSL_GUARDED_BY(mu);
  std::shared_ptr<vfs::Dentry> root ABSL_GUARDED_BY(mu);
  std::shared_ptr<vfs::Mount> cwd_mount ABSL_GUARDED_BY(mu);
  std::shared_ptr<vfs::Dentry> cwd ABSL_GUARDED_BY(mu);
  uint32_t umask ABSL_GUARDED_BY(mu) = 022;
};

class Task {
 public:
  Task(Kernel& kernel, std::shared_ptr<ThreadGroup> tg, int tid);
  ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  // Runs the task on the calling host thread until it exits. Errors are
  // host failures (no Context, dead stub); the group is then killed.
  absl::Status Run();

  // The task whose host thread is calling (set by Run), or null on the
  // Sentry's other threads: Linux's `current`, for files whose behaviour
  // depends on the caller (signalfd).
  static Task* Current();

  Kernel& kernel() { return kernel_; }
  ThreadGroup& tg() { return *tg_; }
  std::shared_ptr<ThreadGroup> tg_ptr() { return tg_; }
  int tid() const { return tid_; }
  int tgid() const;

  platform::CpuState& cpu() { return cpu_; }
  mm::MemoryManager& mm() { return *mm_; }
  std::shared_ptr<mm::MemoryManager>& mm_ptr() { return mm_; }
  FdTable& fds() { return *fds_; }
  std::shared_ptr<FdTable>& fds_ptr() { return fds_; }
  std::shared_ptr<FsContext>& fs() { return fs_; }
  UtsInfo uts() const;
  // Own thread reads freely; writers hold Kernel::mu() (others read there).
  Credentials& creds() { return creds_; }
  const Credentials& creds() const { return creds_; }

  // Makes the FP state in cpu() current (lazy FP rule). Own thread.
  absl::Status PullFp();

  // --- blocking (own thread) ---
  // Sleeps until the task's waiter is notified (ok), `deadline` passes
  // (ETIMEDOUT), or a signal needs handling / the task is killed (EINTR).
  // Register on the wait queue first (ScopedWait with &waiter()).
  ErrnoResult Block(absl::Time deadline = absl::InfiniteFuture());
  Waiter& waiter() { return waiter_; }
  // Whether a signal or kill is waiting for this task's attention.
  bool Interrupted() const { return interrupt_.load(std::memory_order_acquire); }

  // --- signals (mu unless noted) ---
  // Makes the task handle signals soon: wakes Block and a running Switch.
  // Any thread; needs no lock.
  void Interrupt();
  SigSet signal_mask() const { return mask_; }
  // Sets the blocked mask (SIGKILL/SIGSTOP stripped); re-checks pending.
  void SetSignalMaskLocked(SigSet mask);
  // Takes Kernel::mu() itself.
  void SetSignalMask(SigSet mask);
  // sigsuspend/ppoll: installs `mask` now and the current one is restored
  // after the next signal handler runs (or when no handler runs).
  void SetSavedMaskLocked(SigSet temporary);
  PendingSignals& pending() { return pending_; }
  // rt_sigtimedwait: signals the task waits for while they stay blocked;
  // sending one wakes the task (Linux's real_blocked).
  SigSet sigwait_set() const { return sigwait_set_; }
  void SetSigwaitSetLocked(SigSet set) { sigwait_set_ = set; }
  // Whether the task should handle a signal (or stop, or die) now.
  bool NeedsAttentionLocked() const;
  // Clears a wake-up flag that no signal, stop or kill justifies any more,
  // so a syscall that loops on Block() does not spin.
  void ClearStaleInterruptLocked();
  // Signals pending for this task or its group that it does not block.
  SigSet DeliverableLocked() const;
  // The task is leaving (kill, group exit, exec by a sibling).
  bool killed() const { return killed_.load(std::memory_order_acquire); }
  void MarkKilledLocked();
  // sigaltstack; own thread.
  stack_t& altstack() { return altstack_; }
  bool OnAltStack(uint64_t sp) const;

  // The registered restart for kERestartRestartBlock (nanosleep): run by
  // restart_syscall. Own thread.
  std::function<SyscallReturn(Task&)> restart_block;

  // rt_sigreturn: restores registers, FP state, mask and altstack from the
  // frame at rsp. A bad frame kills the process with SIGSEGV.
  SyscallReturn SigReturn();

  // Thread exit (the `exit` syscall): the task leaves after this syscall.
  void ExitThread(int code);
  // exit_group: every task of the group leaves with status `code`.
  void ExitGroup(int code);

  // --- what clone/set_tid_address/prctl record (own thread; mu for comm) ---
  uint64_t clear_child_tid = 0;
  uint64_t robust_list_head = 0;
  uint64_t robust_list_len = 0;
  std::string comm;
  int pdeath_signal = 0;
  bool no_new_privs = false;
  // vfork: the parent waits on this until the child execs or exits.
  struct VforkDone {
    absl::Mutex mu;
    bool done ABSL_GUARDED_BY(mu) = false;
  };
  std::shared_ptr<VforkDone> vfork_done;

  // Set by Kernel when a task is created; the loop uses them at start.
  void SetMm(std::shared_ptr<mm::MemoryManager> mm) { mm_ = std::move(mm); }
  void SetFds(std::shared_ptr<FdTable> fds) { fds_ = std::move(fds); }
  void SetTid(int tid) { tid_ = tid; }
  void SetThreadGroup(std::shared_ptr<ThreadGroup> tg) { tg_ = std::move(tg); }
  int exit_code() const { return exit_code_; }
  // CPU time consumed (for times/getrusage), approximated by wall time
  // spent running app code and syscalls.
  absl::Duration utime() const;
  absl::Duration stime() const;

 private:
  friend class Kernel;
  void HandleSyscall();
  void HandleFault(const platform::Stop& stop);
  void HandleHostSignal(const platform::Stop& stop);
  // Dequeues and acts on pending signals; handles job-control stops.
  void DeliverSignals();
  // Resolves a restart code left by the last syscall: `handler_ran` says
  // whether a handler frame with `flags` was just set up.
  void FixupRestart(bool handler_ran, uint64_t sa_flags);
  // Forces a synchronous signal (fault): unblocks and un-ignores it.
  void ForceSignal(const siginfo_t& info);
  // Sets up a handler frame; false if the frame could not be written.
  bool SetupFrame(const siginfo_t& info, const SigAction& act, SigSet frame_mask);

  Kernel& kernel_;
  std::shared_ptr<ThreadGroup> tg_;
  int tid_;
  platform::CpuState cpu_;
  std::shared_ptr<mm::MemoryManager> mm_;
  std::shared_ptr<FdTable> fds_;
  std::shared_ptr<FsContext> fs_ = std::make_shared<FsContext>();
  Credentials creds_;

  absl::Mutex ctx_mu_;  // guards ctx_ against Interrupt() from other threads
  platform::Context* ctx_ ABSL_GUARDED_BY(ctx_mu_) = nullptr;
  platform::Context* own_ctx_ = nullptr;  // own thread's copy

  std::atomic<bool> interrupt_{false};
  Waiter waiter_;

  // mu:
  SigSet mask_ = 0;
  SigSet saved_mask_ = 0;
  SigSet sigwait_set_ = 0;
  bool has_saved_mask_ = false;
  PendingSignals pending_;
  std::atomic<bool> killed_{false};
  bool exiting_ = false;  // own thread: leave the loop after this stop
  int exit_code_ = 0;
  stack_t altstack_{nullptr, SS_DISABLE, 0};
  int64_t restart_code_ = 0;  // own thread: last syscall returned a restart code
  uint64_t restart_nr_ = 0;
  absl::Time start_ = absl::Now();
  // Written by the own thread, read by others (getrusage, times).
  std::atomic<int64_t> sys_time_ns_{0};
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_TASK_H_
