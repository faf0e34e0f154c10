// stub_filter.cc: the stub's seccomp program (raw BPF: libseccomp cannot
// test the instruction pointer).
#include "platform/ptrace/stub_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cstddef>

namespace platform::ptrace {

std::vector<sock_filter> StubSeccompFilter(uint64_t code_begin,
                                           uint64_t code_end) {
  const uint32_t hi = static_cast<uint32_t>(code_begin >> 32);
  const uint32_t lo_begin = static_cast<uint32_t>(code_begin);
  const uint32_t lo_end = static_cast<uint32_t>(code_end);
  constexpr uint32_t kIpLo = offsetof(seccomp_data, instruction_pointer);
  constexpr uint32_t kIpHi = kIpLo + 4;
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpHi),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 3),      // else trap
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpLo),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo_begin, 0, 1),  // else trap
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo_end, 0, 1),    // below end: allow
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
}

}  // namespace platform::ptrace
