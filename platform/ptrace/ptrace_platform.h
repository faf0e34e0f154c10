// ptrace_platform.h: the ptrace Platform (see README.md).
//
// Owns the stub code page (StubPage), a dup of the memory file, the
// template stub every address space is forked from (stub.h), and the
// TracerThread that forks and traces every stub process. Destroying it ends
// the TracerThread, which SIGKILLs every stub (PR_SET_PDEATHSIG).
#ifndef PLATFORM_PTRACE_PTRACE_PLATFORM_H_
#define PLATFORM_PTRACE_PTRACE_PLATFORM_H_

#include <memory>

#include "platform/platform.h"
#include "platform/ptrace/stub.h"
#include "platform/ptrace/stub_page.h"
#include "platform/ptrace/tracer_thread.h"

namespace platform::ptrace {

class PtracePlatform final : public Platform {
 public:
  static absl::StatusOr<std::unique_ptr<Platform>> Create(
      const PlatformOptions& options);
  ~PtracePlatform() override;

  std::string_view Name() const override { return "ptrace"; }
  uint64_t MaxUserAddress() const override { return page_.base(); }
  absl::StatusOr<std::unique_ptr<AddressSpace>> NewAddressSpace() override;
  absl::StatusOr<std::unique_ptr<Context>> NewContext() override;

 private:
  PtracePlatform(const StubPage& page, int memfd) : page_(page), memfd_(memfd) {}

  // Tracer thread only: makes a stub from the template, (re)creating the
  // template by forking the Sentry when needed.
  absl::StatusOr<std::unique_ptr<StubProcess>> SpawnStub();

  const StubPage& page_;
  const int memfd_;  // owned
  std::unique_ptr<StubProcess> template_;  // tracer thread only
  TracerThread tracer_;
};

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_PTRACE_PLATFORM_H_
