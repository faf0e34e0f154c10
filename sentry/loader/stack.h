// The initial process stack of an ELF execve, byte for byte as Linux's
// do_execveat_common() + create_elf_tables() (fs/exec.c, fs/binfmt_elf.c)
// lay it out on x86-64, built into a buffer for the MM to copy in.
//
// Layout, from `stack_top` (the stack VMA's end) down:
//   8 zero bytes                         (bprm->p starts at top - 8)
//   execfn\0                             (AT_EXECFN points here)
//   envp strings, last one highest       (envp[0] lowest)
//   argv strings, last one highest       (argv[0] lowest; mm->arg_start)
//   [random_pad bytes], align down to 16 (arch_align_stack)
//   platform\0                           (AT_PLATFORM, "x86_64")
//   16 random bytes                      (AT_RANDOM)
//   padding so that the final sp is 16-byte aligned
//   auxv pairs ... AT_NULL, 0
//   NULL, envp pointers (high to low: envp[n-1] ... envp[0])
//   NULL, argv pointers
//   argc                                 <- sp (16-byte aligned)
// At process entry rsp = sp, as the x86-64 psABI requires.
//
// Limits (fs/exec.c): each string, NUL included, at most MAX_ARG_STRLEN (32
// pages); strings (execfn included) plus 8 bytes per pointer for
// max(argc, 1) + envc must fit in max(min(rlimit_stack / 4, 6 MiB), 128 KiB);
// otherwise E2BIG. An empty argv becomes {""} (Linux >= 5.18).
// Strings are C strings: bytes after an embedded NUL are dropped.
#ifndef SENTRY_LOADER_STACK_H_
#define SENTRY_LOADER_STACK_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sentry/errno.h"

namespace sentry::loader {

inline constexpr uint64_t kMaxArgStrlen = 32 * 4096;  // MAX_ARG_STRLEN
inline constexpr uint64_t kArgMax = 32 * 4096;        // ARG_MAX floor
inline constexpr uint64_t kStackTop = 0x7ffffffff000ULL;

// Auxv values that come from the machine, the credentials or the load plan.
struct AuxvInput {
  std::optional<uint64_t> sysinfo_ehdr;  // vDSO base; omitted when unset
  uint64_t minsigstksz = 0;              // AT_MINSIGSTKSZ
  uint64_t hwcap = 0;                    // AT_HWCAP (CPUID 1 EDX)
  uint64_t hwcap2 = 0;                   // AT_HWCAP2
  uint64_t pagesz = 4096;
  uint64_t clktck = 100;
  uint64_t phdr = 0, phent = 56, phnum = 0;  // from LoadPlan
  uint64_t base = 0;                         // AT_BASE (interpreter bias)
  uint64_t flags = 0;                        // AT_FLAGS
  uint64_t entry = 0;                        // AT_ENTRY
  uint64_t uid = 0, euid = 0, gid = 0, egid = 0;
  uint64_t secure = 0;
  // AT_RSEQ_FEATURE_SIZE / AT_RSEQ_ALIGN (Linux >= 6.3 with CONFIG_RSEQ);
  // emitted after AT_PLATFORM when set.
  std::optional<uint64_t> rseq_feature_size, rseq_align;
};

// The host's machine-dependent auxv values: hwcap from CPUID.1:EDX (what
// Linux's ELF_HWCAP is; glibc's getauxval(AT_HWCAP) is not it), minsigstksz,
// hwcap2, pagesz, clktck from getauxval; sysinfo_ehdr and rseq unset; the
// rest zero.
AuxvInput HostAuxvDefaults();

struct StackParams {
  uint64_t stack_top = kStackTop;  // 16-byte aligned end of the stack VMA
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string execfn;  // the path given to execve (bprm->filename)
  std::string platform = "x86_64";
  std::array<uint8_t, 16> random{};  // AT_RANDOM bytes
  uint64_t rlimit_stack = 8 << 20;   // RLIMIT_STACK soft limit (~0 = inf)
  // Bytes subtracted before the 16-byte alignment below the strings
  // (Linux's arch_align_stack randomization, < 8192); 0 without ASLR.
  uint64_t random_pad = 0;
  AuxvInput auxv;
};

struct InitialStack {
  std::vector<uint8_t> bytes;  // the image of [sp, stack_top)
  uint64_t stack_top = 0;
  uint64_t sp = 0;  // initial rsp; == stack_top - bytes.size()
  // For /proc/pid/{cmdline,environ,auxv} (mm->arg_start etc.).
  uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
  uint64_t execfn_addr = 0, platform_addr = 0, random_addr = 0;
  uint64_t auxv_addr = 0;
  std::vector<std::pair<uint64_t, uint64_t>> auxv;  // AT_NULL included
  uint64_t argc = 0;
};

ErrnoOr<InitialStack> BuildInitialStack(const StackParams& params);

}  // namespace sentry::loader

#endif  // SENTRY_LOADER_STACK_H_
