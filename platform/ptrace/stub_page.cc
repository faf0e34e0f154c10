// stub_page.cc: the stub's machine code and its mapping in the Sentry.
#include "platform/ptrace/stub_page.h"

#include <signal.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

// Position-independent code, copied into the stub page. It never touches
// memory except through the syscalls the tracer injects.
asm(R"(
  .pushsection .rodata.platform_stub, "a"
  .balign 64
platform_stub_begin:
platform_stub_entry:
  int3
  .balign 16
platform_stub_syscall:
  syscall
  int3
  .balign 16
platform_stub_clone:
  syscall
  test %rax, %rax
  jnz platform_stub_clone_parent
  mov $131, %eax          /* sigaltstack(r12, NULL) */
  mov %r12, %rdi
  xor %esi, %esi
  syscall
  mov %rax, %r13
platform_stub_spin:
  mov $34, %eax           /* pause(): sleep until a tracer seizes us */
  syscall
  jmp platform_stub_spin
platform_stub_spin_end:
platform_stub_clone_parent:
  int3
  .balign 16
platform_stub_fault:
  int3
  .balign 16
platform_stub_end:
  .popsection
)");

extern "C" const char platform_stub_begin[], platform_stub_entry[],
    platform_stub_syscall[], platform_stub_clone[],
    platform_stub_clone_parent[], platform_stub_spin[],
    platform_stub_spin_end[], platform_stub_fault[], platform_stub_end[];

namespace platform::ptrace {
namespace {

constexpr uint64_t kSaRestorer = 0x04000000;  // not in glibc's headers

// Kernel ABI struct for rt_sigaction.
struct KernelSigaction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

constexpr uint64_t kFirstCandidate = 0x7fc000000000;
constexpr uint64_t kCandidateStep = uint64_t{1} << 32;
constexpr int kCandidates = 256;

}  // namespace

absl::StatusOr<StubPage> StubPage::Install() {
  const size_t code_size = platform_stub_end - platform_stub_begin;
  static_assert(sizeof(KernelSigaction) == 32);
  void* page = MAP_FAILED;
  for (int i = 0; i < kCandidates && page == MAP_FAILED; ++i) {
    void* want = reinterpret_cast<void*>(kFirstCandidate - i * kCandidateStep);
    page = mmap(want, kPageSize, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (page != MAP_FAILED && page != want) {  // old kernels ignore the flag
      munmap(page, kPageSize);
      page = MAP_FAILED;
    }
  }
  if (page == MAP_FAILED) {
    return absl::ResourceExhaustedError("no free address for the stub page");
  }
  auto* p = static_cast<uint8_t*>(page);
  std::memcpy(p, platform_stub_begin, code_size);
  StubPage s;
  s.base_ = reinterpret_cast<uint64_t>(page);
  auto off = [](const char* sym) { return uint64_t(sym - platform_stub_begin); };
  s.entry_ = off(platform_stub_entry);
  s.syscall_ = off(platform_stub_syscall);
  s.clone_ = off(platform_stub_clone);
  s.clone_parent_ = off(platform_stub_clone_parent);
  s.spin_ = off(platform_stub_spin);
  s.spin_end_ = off(platform_stub_spin_end);
  s.fault_ = off(platform_stub_fault);
  KernelSigaction act = {};
  act.handler = s.base_ + s.fault_;
  // SA_NODEFER: the handler never returns, so the signal must stay unblocked.
  act.flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | kSaRestorer;
  act.restorer = s.base_ + s.fault_;
  std::memcpy(p + kSigactionOffset, &act, sizeof(act));
  KernelSigaction ignore = {};
  ignore.handler = reinterpret_cast<uint64_t>(SIG_IGN);
  std::memcpy(p + kSigactionOffset + sizeof(act), &ignore, sizeof(ignore));
  if (mprotect(page, kPageSize, PROT_READ | PROT_EXEC) != 0) {
    return absl::InternalError(absl::StrCat("mprotect stub page: ", strerror(errno)));
  }
  if (s.region_end() > kTaskSize) {
    return absl::InternalError("stub region beyond the user address space");
  }
  return s;
}

absl::StatusOr<const StubPage*> StubPage::Get() {
  static const absl::StatusOr<StubPage> page = Install();
  if (!page.ok()) return page.status();
  return &*page;
}

}  // namespace platform::ptrace
