// tracee.h: ptrace operations on one stopped stub thread.
//
// Every method must run on the host thread that traces `tid` (ptrace binds a
// tracee to one tracer thread). A Tracee is a plain handle: it owns nothing.
#ifndef PLATFORM_PTRACE_TRACEE_H_
#define PLATFORM_PTRACE_TRACEE_H_

#include <signal.h>
#include <sys/types.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/cpu_state.h"

namespace platform::ptrace {

class StubPage;

// waitpid status of a stopped or dead thread.
struct WaitResult {
  int status = 0;
  bool stopped() const { return WIFSTOPPED(status); }
  int stop_sig() const { return WSTOPSIG(status); }
  int event() const { return status >> 16; }
  bool syscall_stop() const { return stopped() && stop_sig() == (SIGTRAP | 0x80); }
};

class Tracee {
 public:
  Tracee() = default;
  Tracee(pid_t pid, pid_t tid) : pid_(pid), tid_(tid) {}
  pid_t pid() const { return pid_; }
  pid_t tid() const { return tid_; }

  // Waits for the next state change (stop or death) of this thread.
  absl::StatusOr<WaitResult> Wait() const;
  // Waits for a stop; a death is an UnavailableError.
  absl::StatusOr<WaitResult> WaitStop() const;

  absl::Status GetRegs(Regs& regs) const;
  // Writes `regs` with orig_rax = -1, so that the kernel never applies its
  // syscall-restart fixup to state the Sentry chose.
  absl::Status SetRegs(const Regs& regs) const;
  absl::Status GetFp(CpuState& cpu) const;  // sets cpu's fp_valid
  absl::Status SetFp(const CpuState& cpu) const;
  absl::Status GetSiginfo(siginfo_t& info) const;
  absl::Status PokeData(uint64_t addr, uint64_t word) const;
  // Writes one word of struct user (e.g. one register): much cheaper than
  // SetRegs, which validates and writes every register.
  absl::Status PokeUser(size_t offset, uint64_t word) const;

  // Resumes with ptrace request `req` (PTRACE_CONT, PTRACE_SYSEMU...),
  // delivering `sig` (0: none).
  absl::Status Resume(int req, int sig) const;

  // Runs syscall `nr` with `args` at the stub's syscall site, starting from
  // `base` (any valid register set of this thread; it is clobbered in the
  // thread, not in `base`). Returns the raw result (negative errno on
  // failure). The thread must be in a ptrace-stop.
  absl::StatusOr<int64_t> InjectSyscall(const StubPage& stub, const Regs& base,
                                        uint64_t nr, uint64_t a0 = 0,
                                        uint64_t a1 = 0, uint64_t a2 = 0,
                                        uint64_t a3 = 0, uint64_t a4 = 0,
                                        uint64_t a5 = 0) const;

 private:
  pid_t pid_ = 0;
  pid_t tid_ = 0;
};

// Converts a negative syscall result to an error status naming `what`.
absl::Status SyscallResultStatus(int64_t result, const char* what);

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_TRACEE_H_
