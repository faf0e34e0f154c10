// kernel.h: the Sentry's kernel: the PID namespace, the process tree,
// signal sending, clone/execve/exit/wait, and the host threads that run
// tasks.
//
// Locking: one mutex, mu(), guards the process tree, every ThreadGroup
// field, and every task's signal state (mask, pending, killed). It is never
// held while app memory is copied (the MemoryManager's lock comes after it
// if ever both are held) nor while a task blocks. Wait queues have their
// own locks and may be notified with mu() held.
#ifndef SENTRY_KERNEL_KERNEL_H_
#define SENTRY_KERNEL_KERNEL_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "platform/platform.h"
#include "sentry/errno.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/memory_manager.h"

namespace sentry::kernel {

// Where a new image's registers start.
struct ExecImage {
  uint64_t entry = 0;
  uint64_t sp = 0;
};

// Who runs execve and where its paths resolve: the caller's credentials,
// root and working directory (null mounts/dentries: no VFS), and the
// RLIMIT_STACK that bounds argv+envp.
struct ExecContext {
  Credentials creds;
  std::shared_ptr<vfs::Mount> root_mount;
  std::shared_ptr<vfs::Dentry> root;
  std::shared_ptr<vfs::Mount> cwd_mount;
  std::shared_ptr<vfs::Dentry> cwd;
  uint64_t rlimit_stack = 8 << 20;
};

// Finds and loads programs for execve: BootExecLoader (sentry/boot: only
// the boot binary, no file system) or the VFS's (sentry/vfs/exec_loader.h).
class ExecLoader {
 public:
  virtual ~ExecLoader() = default;
  // Loads `path` into the fresh, empty `mm`: ENOENT, EACCES, ENOEXEC,
  // E2BIG... as execve(2) would fail.
  virtual ErrnoOr<ExecImage> Load(const ExecContext& ctx, const std::string& path,
                                  const std::vector<std::string>& argv,
                                  const std::vector<std::string>& envp,
                                  mm::MemoryManager& mm) = 0;
};

// clone(2)/clone3(2) arguments.
struct CloneArgs {
  uint64_t flags = 0;      // CLONE_* (without the exit signal)
  int exit_signal = 0;     // clone's low byte / clone3's exit_signal
  uint64_t stack = 0;      // new rsp (0: the parent's)
  uint64_t parent_tid = 0;
  uint64_t child_tid = 0;
  uint64_t tls = 0;
};

// What the boot code hands the Kernel to start init with.
struct InitProcess {
  std::shared_ptr<mm::MemoryManager> mm;  // the loaded image
  ExecImage image;
  Credentials creds;
  std::shared_ptr<FdTable> fds;
  std::string comm;
  // The working directory in the kernel's VFS (null: the VFS root).
  std::shared_ptr<vfs::Mount> cwd_mount;
  std::shared_ptr<vfs::Dentry> cwd;
  std::vector<std::pair<int, struct rlimit>> rlimits;  // over the defaults
};

// wait4/waitid request and answer.
struct WaitRequest {
  enum class Kind { kAny, kPid, kPgid } kind = Kind::kAny;
  int id = 0;
  int options = 0;  // WNOHANG, WEXITED, WSTOPPED, WCONTINUED, WNOWAIT, __WALL, __WCLONE
};
struct WaitResult {
  int pid = 0;     // 0: WNOHANG and nothing to report
  int status = 0;  // wait4 status word
  int code = 0;    // waitid si_code (CLD_EXITED...)
  int child_status = 0;  // waitid si_status
  uint32_t uid = 0;
  absl::Duration utime, stime;
};

class Kernel {
 public:
  Kernel(platform::Platform& platform, mm::MemoryFile& memory_file, SyscallDispatcher& dispatcher,
         ExecLoader& loader, UtsInfo uts);
  // Waits for every task thread to end.
  ~Kernel();

  // Boots init (PID 1) from a loaded image and runs until every task has
  // exited. Returns init's exit code, or 128+N if signal N killed it.
  int RunInit(InitProcess init);
  // False if some task thread is still stuck (in a host call) after init's
  // death; the Kernel must then not be destroyed: exit the process.
  bool AllTasksExited();

  // Tests: registers a new process (init if it is the first) with one
  // task that no host thread runs, so handlers can be called on it.
  std::shared_ptr<Task> CreateTaskForTesting(std::shared_ptr<mm::MemoryManager> mm,
                                             Credentials creds);

  // The VFS: the mount namespace (kept alive here, opaque to the kernel)
  // and its root, which init and test tasks get as root and cwd. Set
  // before RunInit / CreateTaskForTesting.
  void SetVfsRoot(std::shared_ptr<void> mount_ns, std::shared_ptr<vfs::Mount> root_mount,
                  std::shared_ptr<vfs::Dentry> root) {
    mount_ns_ = std::move(mount_ns);
    root_mount_ = std::move(root_mount);
    root_ = std::move(root);
  }

  absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }
  platform::Platform& platform() { return platform_; }
  mm::MemoryFile& memory_file() { return memory_file_; }
  SyscallDispatcher& dispatcher() { return dispatcher_; }
  FutexManager& futex() { return futex_; }
  // The UTS names now (a copy: sethostname may change them).
  UtsInfo uts() const {
    absl::MutexLock l(&uts_mu_);
    return uts_;
  }
  // sethostname(2) / setdomainname(2) (the caller checked privilege).
  void SetHostname(std::string name) {
    absl::MutexLock l(&uts_mu_);
    uts_.hostname = std::move(name);
  }
  void SetDomainname(std::string name) {
    absl::MutexLock l(&uts_mu_);
    uts_.domainname = std::move(name);
  }
  absl::Time boot_time() const { return boot_time_; }

  Task* TaskLocked(int tid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ThreadGroup* ThreadGroupLocked(int tgid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every live process (for kill -1, process groups).
  std::vector<ThreadGroup*> ThreadGroupsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // --- signals (signal_send.cc) ---
  // Queues a signal for a process / one thread, with Linux's rules for
  // ignored, stop and continue signals, and wakes a task to handle it.
  void SendGroupSignalLocked(ThreadGroup& tg, const siginfo_t& info)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SendTaskSignalLocked(Task& t, const siginfo_t& info) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // exit_group / fatal signal: marks the group exiting with `wait_status`
  // and kills every task in it.
  void GroupExitLocked(ThreadGroup& tg, int wait_status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stops / continues a group (job control).
  void StopGroupLocked(ThreadGroup& tg, int sig) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ContinueGroupLocked(ThreadGroup& tg) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether `sender` may signal `target` (kill(2)'s EPERM rule).
  bool MaySignal(const Credentials& sender, const Task& target) const;

  // --- process lifetime (process.cc) ---
  // clone(2): the child's tid, or EINVAL/EPERM/ENOMEM/EAGAIN. With
  // CLONE_VFORK returns after the child execs or exits.
  ErrnoOr<int> Clone(Task& parent, const CloneArgs& args);
  // execve(2) for `t` (own thread). On success the task runs the new image
  // when the syscall returns (its result is ignored).
  ErrnoResult Execve(Task& t, const std::string& path, const std::vector<std::string>& argv,
                     const std::vector<std::string>& envp);
  // wait4/waitid for `t`'s process. ECHILD, EINTR (as kERestartSys), or a
  // result (pid 0 under WNOHANG when no child is ready).
  ErrnoOr<WaitResult> Wait(Task& t, const WaitRequest& req);
  // Called by a task's host thread once its loop ended.
  void TaskExited(Task& t);

 private:
  // Starts `t` on a new host thread.
  void StartTask(std::shared_ptr<Task> t);
  int AllocateIdLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The process that adopts `tg`'s children: the nearest subreaper
  // ancestor, else init.
  ThreadGroup* ReaperForLocked(ThreadGroup& tg) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Last task of `tg` exited: zombie, reparenting, SIGCHLD.
  void ProcessExitedLocked(ThreadGroup& tg) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tells the parent: SIGCHLD (unless SA_NOCLDSTOP for stops) and wakes waits.
  void NotifyParentLocked(ThreadGroup& tg, int code, int status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReapLocked(ThreadGroup& tg) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  friend class Task;

  platform::Platform& platform_;
  mm::MemoryFile& memory_file_;
  SyscallDispatcher& dispatcher_;
  ExecLoader& loader_;
  mutable absl::Mutex uts_mu_;  // a leaf lock
  UtsInfo uts_ ABSL_GUARDED_BY(uts_mu_);
  const absl::Time boot_time_ = absl::Now();
  FutexManager futex_;
  std::shared_ptr<void> mount_ns_;
  std::shared_ptr<vfs::Mount> root_mount_;
  std::shared_ptr<vfs::Dentry> root_;

  absl::Mutex mu_;
  std::map<int, std::shared_ptr<Task>> tasks_ ABSL_GUARDED_BY(mu_);
  std::map<int, std::shared_ptr<ThreadGroup>> groups_ ABSL_GUARDED_BY(mu_);
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int running_threads_ ABSL_GUARDED_BY(mu_) = 0;
  ThreadGroup* init_ ABSL_GUARDED_BY(mu_) = nullptr;
  int init_status_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_KERNEL_H_
