// context.h: the ptrace platform's Context: one traced stub thread.
//
// A Context is bound to the host thread that created it (the thread rule of
// platform.h): that thread is the ptrace tracer of the Context's stub
// thread. On the first Switch into an address space, the Context asks the
// TracerThread to clone a new thread in that stub (untraced, asleep in
// pause() in the stub page), then PTRACE_SEIZEs and PTRACE_INTERRUPTs it itself. A
// Switch into a different address space moves the app thread: the old stub
// thread exits, a new one is made, and the FP state is carried over.
//
// The stub thread is pinned to the CPU its tracer last ran on (FollowCpu),
// as gVisor does: tracer and tracee then hand the CPU to each other.
//
// Switch = SETREGS (or, if only rax changed since the stop, POKEUSER rax)
// [+ SETREGSET xstate if cpu.fp_dirty()] + PTRACE_SYSEMU + waitpid +
// GETREGS. Syscalls stop at entry (SYSEMU) and are never run.
// Faults go through the stub's signal handler (fault_frame.h). Other signals
// are reported and suppressed. Interrupt() sends kInterruptSignal to the
// running stub thread with tgkill.
//
// The owning host thread must destroy the Context before it exits: a
// tracer's exit SIGKILLs its tracees (PTRACE_O_EXITKILL), which kills the
// whole stub process.
#ifndef PLATFORM_PTRACE_CONTEXT_H_
#define PLATFORM_PTRACE_CONTEXT_H_

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "platform/platform.h"
#include "platform/ptrace/address_space.h"
#include "platform/ptrace/stub.h"
#include "platform/ptrace/tracee.h"

namespace platform::ptrace {

// The host signal Interrupt() uses. App code cannot send host signals, so a
// stop with this signal is either an Interrupt or a stray one (ignored).
inline constexpr int kInterruptSignal = SIGURG;

class PtraceContext final : public Context {
 public:
  // Must be called on the owning thread.
  explicit PtraceContext(pid_t owner_tid);
  ~PtraceContext() override;

  absl::StatusOr<Stop> Switch(AddressSpace& as, CpuState& cpu) override;
  absl::Status PullFpState(CpuState& cpu) override;
  void Interrupt() override;

  // For tests: the stub thread currently bound (0 if none).
  pid_t stub_tid() const { return thread_.tid(); }

  // For PtraceAddressSpace: a Context owned by the calling host thread and
  // bound to a live thread of `stub`, or null. Such a Context can run an
  // injected syscall in its own stub thread between two Switches, which is
  // twice as fast as going through the TracerThread and runs in parallel
  // with other tasks. The returned pointer is valid until the calling
  // thread destroys that Context.
  static PtraceContext* OwnedOnThisThread(const StubProcess* stub);
  // Runs syscall `nr` in the bound stub thread; returns its raw result.
  // Preconditions: owner thread, bound, not inside Switch. The app's
  // registers live in the CpuState, so nothing is lost; FP is untouched.
  absl::StatusOr<int64_t> InjectSyscall(uint64_t nr, uint64_t a0, uint64_t a1,
                                        uint64_t a2, uint64_t a3, uint64_t a4,
                                        uint64_t a5);

 private:
  absl::Status CheckThread() const;
  // Makes thread_ a live stub thread of `as`. Preconditions: owner thread.
  absl::Status BindTo(PtraceAddressSpace& as, CpuState& cpu);
  absl::Status Seize(pid_t tid);
  // Ends the bound stub thread; saves its FP state into `cpu` if non-null.
  void Release(CpuState* cpu);
  // Pins the stub thread to the CPU this (tracer) thread runs on, if that
  // changed: a stop then wakes the tracer on the same CPU, with no
  // cross-CPU wakeup and no wait for the tracee to leave its CPU.
  void FollowCpu();
  absl::StatusOr<Stop> Run(CpuState& cpu);
  // Loads cpu.regs into the stub thread: only rax if that is all that
  // changed since the last stop (the common syscall return), else all.
  absl::Status LoadRegs(const CpuState& cpu);
  absl::StatusOr<Stop> HandleFault(int sig, const siginfo_t& info, CpuState& cpu);
  // Maps an Unavailable error to "thread gone" bookkeeping.
  absl::Status Lost(absl::Status s);

  const pid_t owner_tid_;
  // Registered in the owner thread's list of Contexts (OwnedOnThisThread)
  // as a weak reference, so a Context destroyed off its thread (a misuse)
  // leaves no dangling pointer there.
  std::shared_ptr<PtraceContext*> self_;
  std::shared_ptr<StubProcess> stub_;  // owner thread only
  Regs inject_base_ = {};              // owner thread only: valid regs to inject from
  // Owner thread only: the stub thread's registers as the kernel holds them,
  // when known (after a non-fault stop). Lets Switch write just rax.
  Regs shadow_ = {};
  bool shadow_valid_ = false;
  Tracee thread_;                      // owner thread only
  int slot_ = -1;                      // owner thread only
  bool thread_dead_ = false;           // owner thread only: needs reaping
  int bound_cpu_ = -1;                 // owner thread only

  std::atomic<bool> interrupt_{false};
  absl::Mutex mu_;
  pid_t running_pid_ ABSL_GUARDED_BY(mu_) = 0;
  pid_t running_tid_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_CONTEXT_H_
