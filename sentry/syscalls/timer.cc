// Interval and POSIX timers, alarm, times, getrusage.
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {

void RegisterTimer(SyscallTable&) {}

}  // namespace sentry::syscalls
