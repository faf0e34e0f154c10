// address_space.cc: mapping changes as syscalls injected into the stub.
#include "platform/ptrace/address_space.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "absl/strings/str_cat.h"
#include "platform/ptrace/context.h"

namespace platform::ptrace {
namespace {

constexpr int kProtMask = PROT_READ | PROT_WRITE | PROT_EXEC;

}  // namespace

PtraceAddressSpace::~PtraceAddressSpace() {
  tracer_.Run([&] { tracer_.AddZombie(stub_->Kill()); });
}

absl::Status PtraceAddressSpace::CheckRange(uint64_t addr, uint64_t len) const {
  if (addr % kPageSize != 0 || len % kPageSize != 0 || len == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("range [", addr, ", +", len, ") not page-aligned"));
  }
  if (addr + len < addr || addr + len > stub_->page().base()) {
    return absl::InvalidArgumentError(
        absl::StrCat("range [", addr, ", +", len, ") beyond MaxUserAddress"));
  }
  return absl::OkStatus();
}

absl::Status PtraceAddressSpace::Call(const char* what, uint64_t nr,
                                      uint64_t a0, uint64_t a1, uint64_t a2,
                                      uint64_t a3, uint64_t a4, uint64_t a5) {
  absl::StatusOr<int64_t> r;
  // Fast path: the calling task's own stub thread in this address space.
  // (On failure fall back: these calls are idempotent.)
  if (PtraceContext* ctx = PtraceContext::OwnedOnThisThread(stub_.get())) {
    r = ctx->InjectSyscall(nr, a0, a1, a2, a3, a4, a5);
    if (r.ok()) return SyscallResultStatus(*r, what);
  }
  tracer_.Run([&] { r = stub_->Syscall(nr, a0, a1, a2, a3, a4, a5); });
  if (!r.ok()) return r.status();
  return SyscallResultStatus(*r, what);
}

absl::Status PtraceAddressSpace::MapFile(uint64_t addr, uint64_t len, int prot,
                                         uint64_t offset) {
  if (absl::Status s = CheckRange(addr, len); !s.ok()) return s;
  if (offset % kPageSize != 0 || (prot & ~kProtMask) != 0) {
    return absl::InvalidArgumentError("bad offset or prot");
  }
  return Call("mmap", SYS_mmap, addr, len, prot, MAP_SHARED | MAP_FIXED,
              kStubMemoryFd, offset);
}

absl::Status PtraceAddressSpace::Unmap(uint64_t addr, uint64_t len) {
  if (absl::Status s = CheckRange(addr, len); !s.ok()) return s;
  return Call("munmap", SYS_munmap, addr, len, 0);
}

absl::Status PtraceAddressSpace::Protect(uint64_t addr, uint64_t len, int prot) {
  if (absl::Status s = CheckRange(addr, len); !s.ok()) return s;
  if ((prot & ~kProtMask) != 0) return absl::InvalidArgumentError("bad prot");
  return Call("mprotect", SYS_mprotect, addr, len, prot);
}

absl::StatusOr<pid_t> PtraceAddressSpace::NewThread(int slot) {
  absl::StatusOr<pid_t> tid;
  tracer_.Run([&] { tid = stub_->CloneThread(slot); });
  return tid;
}

}  // namespace platform::ptrace
