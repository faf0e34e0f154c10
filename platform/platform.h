// platform.h: the contract between the Sentry and a platform.
//
// A platform runs application code and reports every way it stops: a
// syscall, a fault, a signal, or an interrupt from the Sentry. It owns no
// kernel semantics. Implementations live in sibling directories (ptrace/
// today; systrap/ and kvm/ later) and are created with NewPlatform().
//
// Objects:
//   Platform      one per Sentry; creates address spaces and contexts.
//   AddressSpace  one per MemoryManager; mirrors the app's mappings, every
//                 one a range of the sandbox memory file (a memfd).
//   Context       one per task (app thread); runs that thread in an address
//                 space until it stops.
//
// Thread rule (all platforms): a Context may be used (Switch, PullFpState,
// destruction) only on the host thread that created it. Switch from any other
// thread returns FailedPreconditionError at once. Interrupt() is the only
// Context method callable from any thread. Platform and AddressSpace methods
// are thread-safe.
//
// Lifetime rule: the Platform must outlive every AddressSpace and Context it
// created. Destroying a Platform kills all app code it runs.
#ifndef PLATFORM_PLATFORM_H_
#define PLATFORM_PLATFORM_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/cpu_state.h"

namespace platform {

enum class StopReason {
  kSyscall,      // cpu.syscall_no()/arg(i) hold the call; rip is past it;
                 // rax reads -ENOSYS until cpu.set_return(). Never run on
                 // the host.
  kFault,        // memory fault (host SIGSEGV/SIGBUS); rip is the faulting insn.
  kSignal,       // any other host signal (SIGILL, SIGFPE, SIGTRAP, SIGSYS...),
                 // reported and suppressed: the app never sees it.
  kInterrupted,  // Context::Interrupt() was called.
};

// How a faulting access touched memory. kUnknown when the hardware did not
// say (e.g. a general-protection fault, which carries no address).
enum class AccessType : uint8_t { kUnknown, kRead, kWrite, kExec };

struct Stop {
  StopReason reason = StopReason::kSyscall;
  int signo = 0;            // kFault/kSignal: the host signal number.
  int code = 0;             // kFault/kSignal: the host si_code.
  uint64_t fault_addr = 0;  // kFault: faulting address (si_addr). kSignal:
                            // si_addr for SIGILL/SIGFPE/SIGTRAP, the call
                            // address for SIGSYS.
  AccessType access = AccessType::kUnknown;  // kFault only.
  // kSyscall: the app did not use the 64-bit `syscall` instruction but a
  // 32-bit entry (`int $0x80`, `sysenter`): the number and arguments follow
  // the i386 ABI (eax; ebx, ecx, edx, esi, edi, ebp). Nothing ran on the
  // host either way.
  bool compat_syscall = false;
  int trapno = -1;          // kFault: x86 trap number if known (14 = #PF).
  uint64_t error_code = 0;  // kFault: x86 error code if trapno is known.
};

class AddressSpace {
 public:
  // Destroying an AddressSpace ends its app threads: a Switch running in it
  // returns UnavailableError; the Contexts stay usable in other spaces.
  virtual ~AddressSpace() = default;

  // Maps [addr, addr+len) to [offset, offset+len) of the sandbox memory file,
  // MAP_SHARED | MAP_FIXED, with PROT_* bits `prot`. addr, len and offset must
  // be page-aligned and addr+len <= Platform::MaxUserAddress().
  virtual absl::Status MapFile(uint64_t addr, uint64_t len, int prot,
                               uint64_t offset) = 0;
  // Removes any mapping in [addr, addr+len). Same range rules as MapFile.
  virtual absl::Status Unmap(uint64_t addr, uint64_t len) = 0;
  // Changes the protection of mapped pages in [addr, addr+len).
  virtual absl::Status Protect(uint64_t addr, uint64_t len, int prot) = 0;
};

class Context {
 public:
  virtual ~Context() = default;

  // Runs the app thread in `as` with registers `cpu` until it stops; on
  // return `cpu` holds the registers at the stop. Owning thread only.
  // FP state follows the rule in cpu_state.h: if cpu.fp_dirty() it is loaded
  // first; after return cpu.fp_valid() is false unless stated otherwise.
  // Errors: FailedPrecondition (wrong thread), InvalidArgument (an address
  // space of another platform or registers the CPU refuses), Unavailable
  // (the address space's stub died).
  virtual absl::StatusOr<Stop> Switch(AddressSpace& as, CpuState& cpu) = 0;

  // Makes cpu.fp hold the app's current FP state (cpu.fp_valid() becomes
  // true). No-op if it already does. Owning thread only.
  virtual absl::Status PullFpState(CpuState& cpu) = 0;

  // Callable from any thread. A running Switch returns kInterrupted promptly;
  // if none is running, the next Switch returns kInterrupted without running
  // app code. Several Interrupts before a Switch return count as one.
  virtual void Interrupt() = 0;
};

class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string_view Name() const = 0;
  // App mappings must lie in [0, MaxUserAddress()): the platform keeps its
  // own stub pages above it.
  virtual uint64_t MaxUserAddress() const = 0;
  virtual absl::StatusOr<std::unique_ptr<AddressSpace>> NewAddressSpace() = 0;
  // The returned Context is bound to the calling host thread (thread rule).
  virtual absl::StatusOr<std::unique_ptr<Context>> NewContext() = 0;
};

struct PlatformOptions {
  // The sandbox memory file: one memfd backs all app memory. The platform
  // dup()s it; the caller keeps ownership of its own descriptor. Every stub
  // holds it at fd kStubMemoryFd and nothing else.
  int memory_fd = -1;
};

// The descriptor number at which app-side processes hold the memory file.
inline constexpr int kStubMemoryFd = 3;

// Creates a platform by name ("ptrace"). NotFound for unknown names.
absl::StatusOr<std::unique_ptr<Platform>> NewPlatform(
    std::string_view name, const PlatformOptions& options);

}  // namespace platform

#endif  // PLATFORM_PLATFORM_H_
