// address_space.h: the ptrace platform's AddressSpace, one stub process.
//
// Map/unmap/protect are syscalls injected into the stub: into the calling
// thread's own stub thread if it owns a Context bound to this address space
// (the usual case: a task changing its own mm), else into the stub's leader
// on the TracerThread (the leader's only possible tracer). Either way they
// are thread-safe and their effects are visible to every thread of the stub
// as soon as they return. Destroying the AddressSpace SIGKILLs the stub; any
// Context still bound to it then gets UnavailableError from Switch until it
// is switched into another address space.
#ifndef PLATFORM_PTRACE_ADDRESS_SPACE_H_
#define PLATFORM_PTRACE_ADDRESS_SPACE_H_

#include <sys/types.h>

#include <memory>

#include "platform/platform.h"
#include "platform/ptrace/stub.h"
#include "platform/ptrace/tracer_thread.h"

namespace platform::ptrace {

class PtraceAddressSpace final : public AddressSpace {
 public:
  PtraceAddressSpace(TracerThread& tracer, std::shared_ptr<StubProcess> stub)
      : tracer_(tracer), stub_(std::move(stub)) {}
  ~PtraceAddressSpace() override;

  absl::Status MapFile(uint64_t addr, uint64_t len, int prot,
                       uint64_t offset) override;
  absl::Status Unmap(uint64_t addr, uint64_t len) override;
  absl::Status Protect(uint64_t addr, uint64_t len, int prot) override;

  // For Context: the stub, and a new untraced thread in it using signal
  // stack `slot` (see StubProcess::CloneThread).
  const std::shared_ptr<StubProcess>& stub() const { return stub_; }
  absl::StatusOr<pid_t> NewThread(int slot);

 private:
  absl::Status CheckRange(uint64_t addr, uint64_t len) const;
  absl::Status Call(const char* what, uint64_t nr, uint64_t a0, uint64_t a1,
                    uint64_t a2, uint64_t a3 = 0, uint64_t a4 = 0,
                    uint64_t a5 = 0);

  TracerThread& tracer_;
  std::shared_ptr<StubProcess> stub_;
};

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_ADDRESS_SPACE_H_
