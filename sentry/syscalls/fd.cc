// File descriptor table operations and pipes: dup, dup2, dup3, fcntl, pipe, pipe2.
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {

void RegisterFd(SyscallTable&) {}

}  // namespace sentry::syscalls
