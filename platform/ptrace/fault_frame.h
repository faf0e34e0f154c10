// fault_frame.h: what a fault really was, read from the signal frame.
//
// ptrace reports a fault's address (PTRACE_GETSIGINFO si_addr) but not the
// x86 page-fault error code, which says read/write/exec. The kernel does put
// it in the signal frame (sigcontext err/trapno/cr2). So at a SIGSEGV/SIGBUS
// stop the Context delivers the signal to the stub's handler, which runs on
// the thread's private signal stack in the stub region and traps at once;
// the tracer then reads the frame with process_vm_readv. Signal delivery
// also saved the app's FP state in the frame and reset the CPU's, so the FP
// state is taken from the frame too (the CpuState becomes valid and dirty).
//
// Caveat: the signal stack lies in the app's address space above
// MaxUserAddress(), where another app thread could scribble on the frame
// between the kernel writing it and the tracer reading it. That can only
// mislead the Sentry about that app's own fault (access type, FP state of a
// thread that faulted), never the host.
#ifndef PLATFORM_PTRACE_FAULT_FRAME_H_
#define PLATFORM_PTRACE_FAULT_FRAME_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "platform/cpu_state.h"
#include "platform/platform.h"

namespace platform::ptrace {

struct FaultFrame {
  int trapno = -1;
  uint64_t error_code = 0;
  uint64_t cr2 = 0;
  AccessType access = AccessType::kUnknown;
};

// `rsp` is the handler's stack pointer, `stack_top` the end of its signal
// stack, in stub process `pid`. Fills cpu's FP area from the frame.
absl::StatusOr<FaultFrame> ReadFaultFrame(pid_t pid, uint64_t rsp,
                                          uint64_t stack_top, CpuState& cpu);

// x86 page-fault error code -> access type.
AccessType AccessFromErrorCode(uint64_t error_code);

}  // namespace platform::ptrace

#endif  // PLATFORM_PTRACE_FAULT_FRAME_H_
