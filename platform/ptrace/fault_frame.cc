// fault_frame.cc: parsing a Linux x86-64 rt_sigframe.
#include "platform/ptrace/fault_frame.h"

#include <sys/ucontext.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace platform::ptrace {
namespace {

constexpr int kTrapPageFault = 14;
constexpr uint64_t kPfWrite = 1 << 1;
constexpr uint64_t kPfInstr = 1 << 4;

// rt_sigframe: the return address slot, then the ucontext.
constexpr size_t kUcontextOffset = 8;
constexpr size_t kGregsOffset = kUcontextOffset + offsetof(ucontext_t, uc_mcontext.gregs);
constexpr size_t kFpregsPtrOffset = kUcontextOffset + offsetof(ucontext_t, uc_mcontext.fpregs);

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace

AccessType AccessFromErrorCode(uint64_t error_code) {
  if (error_code & kPfInstr) return AccessType::kExec;
  if (error_code & kPfWrite) return AccessType::kWrite;
  return AccessType::kRead;
}

absl::StatusOr<FaultFrame> ReadFaultFrame(pid_t pid, uint64_t rsp,
                                          uint64_t stack_top, CpuState& cpu) {
  if (rsp >= stack_top || stack_top - rsp > (1 << 20) ||
      stack_top - rsp < kFpregsPtrOffset + 8) {
    return absl::InternalError(absl::StrCat("bad signal frame at ", rsp));
  }
  const size_t len = stack_top - rsp;
  thread_local std::vector<uint8_t> buf;
  buf.resize(len);
  iovec local = {buf.data(), len};
  iovec remote = {reinterpret_cast<void*>(rsp), len};
  ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (got != static_cast<ssize_t>(len)) {
    return absl::InternalError(absl::StrCat("reading signal frame: ",
                                            got < 0 ? strerror(errno) : "short read"));
  }
  const uint8_t* gregs = buf.data() + kGregsOffset;
  FaultFrame f;
  f.error_code = Load64(gregs + REG_ERR * 8);
  f.trapno = static_cast<int>(Load64(gregs + REG_TRAPNO * 8));
  f.cr2 = Load64(gregs + REG_CR2 * 8);
  if (f.trapno == kTrapPageFault) f.access = AccessFromErrorCode(f.error_code);

  const uint64_t fpstate = Load64(buf.data() + kFpregsPtrOffset);
  if (fpstate < rsp || fpstate - rsp + cpu.fp_size() > len) {
    return absl::InternalError(absl::StrCat("bad fpstate pointer in frame: ", fpstate));
  }
  std::memcpy(cpu.raw_fp(), buf.data() + (fpstate - rsp), cpu.fp_size());
  // The frame's xsave area uses the standard format; the software-reserved
  // bytes of the legacy area are ignored by PTRACE_SETREGSET.
  cpu.set_fp_flags(/*valid=*/true, /*dirty=*/true);
  return f;
}

}  // namespace platform::ptrace
