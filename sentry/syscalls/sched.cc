// Scheduling and system facts: sched_*, prctl, sysinfo, getcpu.
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {

void RegisterSched(SyscallTable&) {}

}  // namespace sentry::syscalls
