// stub_filter.h: the seccomp filter every stub runs under.
//
// Defense in depth behind PTRACE_SYSEMU: SYSEMU stops every syscall of app
// code before seccomp runs, so the filter sees only (a) the stub's own
// injected syscalls, which it allows because they come from the stub code
// page, and (b) syscalls the kernel emulates without a ptrace syscall stop:
// calls into the legacy vsyscall page (0xffffffffff600000, "xonly" mode on
// this kernel). Those fail with SECCOMP_RET_TRAP: nothing runs on the host
// and the tracer sees a SIGSYS stop. A non-x86-64 syscall ABI kills the stub.
#ifndef PLATFORM_PTRACE_STUB_FILTER_H_
#define PLATFORM_PTRACE_STUB_FILTER_H_

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace platform::ptrace {

// Allows syscalls whose instruction pointer is in [code_begin, code_end),
// traps all others. code_begin and code_end must share their upper 32 bits.
std::vector<sock_filter> StubSeccompFilter(uint64_t code_begin,
                                           uint64_t code_end);

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_STUB_FILTER_H_
