// tracee.cc: thin, error-checked wrappers over ptrace(2) and waitpid(2).
#include "platform/ptrace/tracee.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "platform/ptrace/stub_page.h"
#include "spdlog/spdlog.h"

namespace platform::ptrace {
namespace {

absl::Status Errno(const char* what, int err) {
  std::string msg = absl::StrCat(what, ": ", strerror(err));
  if (err == ESRCH) return absl::UnavailableError(msg);
  if (err == EIO || err == EINVAL) return absl::InvalidArgumentError(msg);
  return absl::InternalError(msg);
}

}  // namespace

absl::Status SyscallResultStatus(int64_t result, const char* what) {
  if (result >= 0 || result < -4095) return absl::OkStatus();
  return Errno(what, static_cast<int>(-result));
}

absl::StatusOr<WaitResult> Tracee::Wait() const {
  WaitResult r;
  for (;;) {
    pid_t got = waitpid(tid_, &r.status, __WALL);
    if (got == tid_) return r;
    if (got < 0 && errno == EINTR) continue;
    return Errno("waitpid", errno);
  }
}

absl::StatusOr<WaitResult> Tracee::WaitStop() const {
  absl::StatusOr<WaitResult> r = Wait();
  if (!r.ok()) return r;
  if (!r->stopped()) {
    return absl::UnavailableError(absl::StrCat(
        "stub thread ", tid_, " died (wait status ", r->status, ")"));
  }
  return r;
}

absl::Status Tracee::GetRegs(Regs& regs) const {
  if (::ptrace(PTRACE_GETREGS, tid_, nullptr, &regs) != 0) {
    return Errno("PTRACE_GETREGS", errno);
  }
  return absl::OkStatus();
}

absl::Status Tracee::SetRegs(const Regs& regs) const {
  Regs copy = regs;
  copy.orig_rax = ~uint64_t{0};
  if (::ptrace(PTRACE_SETREGS, tid_, nullptr, &copy) != 0) {
    return Errno("PTRACE_SETREGS", errno);
  }
  return absl::OkStatus();
}

absl::Status Tracee::GetFp(CpuState& cpu) const {
  iovec iov = {cpu.raw_fp(), cpu.fp_size()};
  if (::ptrace(PTRACE_GETREGSET, tid_, NT_X86_XSTATE, &iov) != 0) {
    return Errno("PTRACE_GETREGSET(NT_X86_XSTATE)", errno);
  }
  cpu.set_fp_flags(/*valid=*/true, /*dirty=*/false);
  return absl::OkStatus();
}

absl::Status Tracee::SetFp(const CpuState& cpu) const {
  iovec iov = {const_cast<uint8_t*>(cpu.fp()), cpu.fp_size()};
  if (::ptrace(PTRACE_SETREGSET, tid_, NT_X86_XSTATE, &iov) != 0) {
    return Errno("PTRACE_SETREGSET(NT_X86_XSTATE)", errno);
  }
  return absl::OkStatus();
}

absl::Status Tracee::GetSiginfo(siginfo_t& info) const {
  if (::ptrace(PTRACE_GETSIGINFO, tid_, nullptr, &info) != 0) {
    return Errno("PTRACE_GETSIGINFO", errno);
  }
  return absl::OkStatus();
}

absl::Status Tracee::PokeData(uint64_t addr, uint64_t word) const {
  if (::ptrace(PTRACE_POKEDATA, tid_, addr, word) != 0) {
    return Errno("PTRACE_POKEDATA", errno);
  }
  return absl::OkStatus();
}

absl::Status Tracee::PokeUser(size_t offset, uint64_t word) const {
  if (::ptrace(PTRACE_POKEUSER, tid_, offset, word) != 0) {
    return Errno("PTRACE_POKEUSER", errno);
  }
  return absl::OkStatus();
}

absl::Status Tracee::Resume(int req, int sig) const {
  if (::ptrace(static_cast<__ptrace_request>(req), tid_, nullptr,
             reinterpret_cast<void*>(static_cast<intptr_t>(sig))) != 0) {
    return Errno("ptrace resume", errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Tracee::InjectSyscall(const StubPage& stub,
                                              const Regs& base, uint64_t nr,
                                              uint64_t a0, uint64_t a1,
                                              uint64_t a2, uint64_t a3,
                                              uint64_t a4, uint64_t a5) const {
  Regs r = base;
  r.rip = stub.syscall();
  r.rax = nr;
  r.rdi = a0;
  r.rsi = a1;
  r.rdx = a2;
  r.r10 = a3;
  r.r8 = a4;
  r.r9 = a5;
  if (absl::Status s = SetRegs(r); !s.ok()) return s;
  if (absl::Status s = Resume(PTRACE_CONT, 0); !s.ok()) return s;
  for (;;) {
    absl::StatusOr<WaitResult> w = WaitStop();
    if (!w.ok()) return w.status();
    if (w->stop_sig() == SIGTRAP && w->event() == 0) break;
    // Any other signal (e.g. a late Interrupt) is suppressed: the stub
    // code must finish the call.
    spdlog::debug("stub {}: signal {} suppressed during injected syscall {}",
                  tid_, w->stop_sig(), nr);
    if (absl::Status s = Resume(PTRACE_CONT, 0); !s.ok()) return s;
  }
  if (absl::Status s = GetRegs(r); !s.ok()) return s;
  if (r.rip != stub.syscall_return()) {
    return absl::InternalError(absl::StrCat("injected syscall ", nr,
                                            " stopped at unexpected rip ", r.rip));
  }
  return static_cast<int64_t>(r.rax);
}

}  // namespace platform::ptrace
