// stub_page.h: the stub's code page, the only host code mapped in a stub.
//
// The page holds a few hand-written instructions (no libc, no stack use) and
// is mapped once in the Sentry at a fixed high address, so every forked stub
// inherits it at the same address. Everything else in a stub is unmapped
// right after fork. Above the code page lies the stub's private region of
// per-thread signal stacks (see kAltStack*). App mappings stay below base().
//
// Entry points (offsets from base()):
//   entry        int3: the stub's first stop after fork.
//   syscall      `syscall; int3`: syscall injection; stops after the call.
//   clone        `syscall; ...`: injected clone. The parent continues to an
//                int3; the child calls sigaltstack(r12) (result in r13) and
//                sleeps in pause() (a loop) until a tracer seizes it.
//   fault        int3: the SIGSEGV/SIGBUS handler; the tracer reads the
//                signal frame (page-fault error code, FP state) here.
//   sigaction    data: a kernel struct sigaction for that handler, then
//                one for SIG_IGN.
#ifndef PLATFORM_PTRACE_STUB_PAGE_H_
#define PLATFORM_PTRACE_STUB_PAGE_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace platform::ptrace {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kAltStackSize = 64 * 1024;
inline constexpr int kMaxStubThreads = 1024;  // per address space
// Slot i's signal stack is [AltStackAddr(i), AltStackAddr(i)+kAltStackSize).
inline constexpr uint64_t kAltStackRegionOffset = 64 * 1024;
// Highest user address + 1 on x86-64 with 4-level page tables.
inline constexpr uint64_t kTaskSize = 0x7ffffffff000;

class StubPage {
 public:
  // Maps and fills the page on first use (thread-safe).
  static absl::StatusOr<const StubPage*> Get();

  uint64_t base() const { return base_; }
  uint64_t entry() const { return base_ + entry_; }
  uint64_t syscall() const { return base_ + syscall_; }
  uint64_t syscall_return() const { return base_ + syscall_ + 3; }  // after int3
  uint64_t clone() const { return base_ + clone_; }
  uint64_t clone_parent_return() const { return base_ + clone_parent_ + 1; }
  uint64_t spin_begin() const { return base_ + spin_; }
  uint64_t spin_end() const { return base_ + spin_end_; }
  uint64_t fault_return() const { return base_ + fault_ + 1; }
  uint64_t sigaction() const { return base_ + kSigactionOffset; }
  uint64_t sigaction_ignore() const { return base_ + kSigactionOffset + 32; }
  uint64_t AltStackAddr(int slot) const {
    return base_ + kAltStackRegionOffset + uint64_t(slot) * kAltStackSize;
  }
  uint64_t region_end() const { return AltStackAddr(kMaxStubThreads); }

 private:
  static absl::StatusOr<StubPage> Install();
  static constexpr uint64_t kSigactionOffset = 0x800;
  uint64_t base_ = 0;
  uint64_t entry_ = 0, syscall_ = 0, clone_ = 0, clone_parent_ = 0;
  uint64_t spin_ = 0, spin_end_ = 0, fault_ = 0;
};

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_STUB_PAGE_H_
