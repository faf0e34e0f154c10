// ptrace_platform.cc: creating stubs and contexts.
#include "platform/ptrace/ptrace_platform.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "platform/ptrace/address_space.h"
#include "platform/ptrace/context.h"
#include "platform/ptrace/stub.h"

namespace platform::ptrace {

absl::StatusOr<std::unique_ptr<Platform>> PtracePlatform::Create(
    const PlatformOptions& options) {
  struct stat st;
  if (options.memory_fd < 0 || fstat(options.memory_fd, &st) != 0 ||
      !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError("memory_fd is not a memory file");
  }
  absl::StatusOr<const StubPage*> page = StubPage::Get();
  if (!page.ok()) return page.status();
  int fd = fcntl(options.memory_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("dup memory_fd: ", strerror(errno)));
  return std::unique_ptr<Platform>(new PtracePlatform(**page, fd));
}

PtracePlatform::~PtracePlatform() {
  tracer_.Run([&] {
    if (template_) tracer_.AddZombie(template_->Kill());
    template_.reset();
  });
  close(memfd_);
}

absl::StatusOr<std::unique_ptr<StubProcess>> PtracePlatform::SpawnStub() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!template_ || template_->dead()) {
      if (template_) tracer_.AddZombie(template_->Kill());
      absl::StatusOr<std::unique_ptr<StubProcess>> t = StubProcess::Fork(page_, memfd_);
      if (!t.ok()) return t.status();
      template_ = std::move(*t);
    }
    absl::StatusOr<std::unique_ptr<StubProcess>> stub = template_->Spawn();
    if (stub.ok() || !absl::IsUnavailable(stub.status())) return stub;
    tracer_.AddZombie(template_->Kill());  // the template died: make another
  }
  return absl::UnavailableError("could not spawn a stub");
}

absl::StatusOr<std::unique_ptr<AddressSpace>> PtracePlatform::NewAddressSpace() {
  absl::StatusOr<std::unique_ptr<StubProcess>> stub;
  tracer_.Run([&] { stub = SpawnStub(); });
  if (!stub.ok()) return stub.status();
  return std::unique_ptr<AddressSpace>(std::make_unique<PtraceAddressSpace>(
      tracer_, std::shared_ptr<StubProcess>(std::move(*stub))));
}

absl::StatusOr<std::unique_ptr<Context>> PtracePlatform::NewContext() {
  return std::unique_ptr<Context>(std::make_unique<PtraceContext>(gettid()));
}

}  // namespace platform::ptrace
