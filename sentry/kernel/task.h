// task.h: one app thread (for now one thread per process) and its run loop.
//
// Thread rule: a Task's platform Context is created inside Run(), on the
// host thread that runs the task, and used only there. Run() returns when
// the task exits (exit/exit_group, a fatal signal, or a platform failure).
//
// Run loop: Switch ->
//   kSyscall      dispatch through the SyscallDispatcher; write the return.
//   kFault        mm.HandleFault; EFAULT/EACCES kill with SIGSEGV,
//                 EIO/ENOMEM with SIGBUS.
//   kSignal       the reported signal is fatal (SIGILL, SIGFPE, SIGSYS...).
//   kInterrupted  continue.
#ifndef SENTRY_KERNEL_TASK_H_
#define SENTRY_KERNEL_TASK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "platform/cpu_state.h"
#include "platform/platform.h"
#include "sentry/kernel/fd_table.h"
#include "sentry/mm/memory_manager.h"

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

// Implemented by the syscall table (sentry/syscalls).
class SyscallDispatcher {
 public:
  virtual ~SyscallDispatcher() = default;
  virtual SyscallReturn Dispatch(Task& t, const SyscallArguments& args) = 0;
};

// Identity and host-visible facts of the sandbox, from the boot spec.
struct Credentials {
  uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
};
struct UtsInfo {
  std::string sysname = "Linux";
  std::string hostname = "sandbox";
  std::string release = "6.1.0-gsandbox";
  std::string version = "#1 SMP gsandbox";
  std::string machine = "x86_64";
  std::string domainname = "(none)";
};

class Task {
 public:
  Task(platform::Platform& platform, mm::MemoryManager& mm, SyscallDispatcher& dispatcher,
       Credentials creds, UtsInfo uts)
      : platform_(platform), mm_(mm), dispatcher_(dispatcher), creds_(creds),
        uts_(std::move(uts)) {}

  // Runs the task on the calling thread until it exits. Errors are host
  // failures (no Context, dead stub); the task is then dead with SIGKILL.
  absl::Status Run();

  // Marks the task exited with `code` (exit/exit_group): Run() returns after
  // the current syscall.
  void Exit(int code) { exited_ = true; exit_code_ = code & 0xff; }
  // Kills the task with signal `signo`.
  void Kill(int signo) { exited_ = true; term_signal_ = signo; }
  bool exited() const { return exited_; }
  // The boot binary's status: exit code, or 128+N for death by signal N.
  int ExitStatus() const { return term_signal_ ? 128 + term_signal_ : exit_code_; }
  int term_signal() const { return term_signal_; }

  platform::CpuState& cpu() { return cpu_; }
  mm::MemoryManager& mm() { return mm_; }
  FdTable& fds() { return fds_; }
  const Credentials& creds() const { return creds_; }
  const UtsInfo& uts() const { return uts_; }

  // set_tid_address / set_robust_list records.
  uint64_t clear_child_tid = 0;
  uint64_t robust_list_head = 0;
  uint64_t robust_list_len = 0;

 private:
  // Handles one stop; false when the task is dead.
  void HandleSyscall();
  void HandleFault(const platform::Stop& stop);

  platform::Platform& platform_;
  mm::MemoryManager& mm_;
  SyscallDispatcher& dispatcher_;
  Credentials creds_;
  UtsInfo uts_;
  platform::CpuState cpu_;
  FdTable fds_;
  bool exited_ = false;
  int exit_code_ = 0;
  int term_signal_ = 0;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_TASK_H_
