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

PtracePlatform::~PtracePlatform() { close(memfd_); }

absl::StatusOr<std::unique_ptr<AddressSpace>> PtracePlatform::NewAddressSpace() {
  absl::StatusOr<std::unique_ptr<StubProcess>> stub;
  tracer_.Run([&] { stub = StubProcess::Fork(page_, memfd_); });
  if (!stub.ok()) return stub.status();
  return std::unique_ptr<AddressSpace>(std::make_unique<PtraceAddressSpace>(
      tracer_, std::shared_ptr<StubProcess>(std::move(*stub))));
}

absl::StatusOr<std::unique_ptr<Context>> PtracePlatform::NewContext() {
  return std::unique_ptr<Context>(std::make_unique<PtraceContext>(gettid()));
}

}  // namespace platform::ptrace
