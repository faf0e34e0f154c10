#include "sentry/loader/stack.h"

#include <cpuid.h>
#include <elf.h>
#include <sys/auxv.h>

#include <algorithm>
#include <cstring>

namespace sentry::loader {
namespace {

constexpr uint64_t kStkLim = 8 << 20;  // _STK_LIM

// C-string length of s (bytes before the first NUL).
uint64_t CLen(const std::string& s) { return std::strlen(s.c_str()); }

}  // namespace

AuxvInput HostAuxvDefaults() {
  AuxvInput a;
  a.minsigstksz = getauxval(AT_MINSIGSTKSZ);
  // Not getauxval(AT_HWCAP): glibc on x86 replaces it with its own
  // HWCAP_X86_* bits. The kernel's ELF_HWCAP is CPUID.1:EDX.
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) a.hwcap = edx;
  a.hwcap2 = getauxval(AT_HWCAP2);
  a.pagesz = getauxval(AT_PAGESZ);
  a.clktck = getauxval(AT_CLKTCK);
  return a;
}

ErrnoOr<InitialStack> BuildInitialStack(const StackParams& params) {
  const uint64_t top = params.stack_top;
  std::vector<std::string> argv = params.argv;
  if (argv.empty()) argv.push_back("");  // Linux >= 5.18
  const std::vector<std::string>& envp = params.envp;
  const uint64_t argc = argv.size(), envc = envp.size();

  // bprm_stack_limits().
  uint64_t limit = std::min(kStkLim / 4 * 3, params.rlimit_stack / 4);
  limit = std::max(limit, kArgMax);
  const uint64_t ptr_size = (argc + envc) * sizeof(uint64_t);
  if (argc + envc > (1ULL << 40) || limit <= ptr_size) return Errno(E2BIG);
  limit -= ptr_size;
  if (top < 8 + limit) return Errno(ENOMEM);
  uint64_t p = top - 8;
  const uint64_t argmin = p - limit;

  // copy_strings(): each string ends at p, working downwards.
  std::vector<std::pair<uint64_t, const std::string*>> strings;
  auto push = [&](const std::string& s) -> ErrnoOr<uint64_t> {
    const uint64_t len = CLen(s) + 1;
    if (len > kMaxArgStrlen) return Errno(E2BIG);
    if (p - argmin < len) return Errno(E2BIG);
    p -= len;
    strings.push_back({p, &s});
    return p;
  };
  InitialStack st;
  st.stack_top = top;
  {
    ErrnoOr<uint64_t> a = push(params.execfn);
    if (!a.ok()) return a.error();
    st.execfn_addr = *a;
  }
  std::vector<uint64_t> env_addrs(envc), arg_addrs(argc);
  for (uint64_t i = envc; i-- > 0;) {
    ErrnoOr<uint64_t> a = push(envp[i]);
    if (!a.ok()) return a.error();
    env_addrs[i] = *a;
  }
  for (uint64_t i = argc; i-- > 0;) {
    ErrnoOr<uint64_t> a = push(argv[i]);
    if (!a.ok()) return a.error();
    arg_addrs[i] = *a;
  }
  st.arg_start = arg_addrs[0];
  st.arg_end = envc > 0 ? env_addrs[0] : st.execfn_addr;
  st.env_start = st.arg_end;
  st.env_end = st.execfn_addr;
  st.argc = argc;

  // create_elf_tables().
  p -= params.random_pad;
  p &= ~uint64_t{15};
  const uint64_t plat_len = CLen(params.platform);
  if (plat_len > 0) {
    p -= plat_len + 1;
    st.platform_addr = p;
  }
  p -= params.random.size();
  st.random_addr = p;

  const AuxvInput& in = params.auxv;
  auto& av = st.auxv;
  if (in.sysinfo_ehdr) av.push_back({AT_SYSINFO_EHDR, *in.sysinfo_ehdr});
  av.push_back({AT_MINSIGSTKSZ, in.minsigstksz});
  av.push_back({AT_HWCAP, in.hwcap});
  av.push_back({AT_PAGESZ, in.pagesz});
  av.push_back({AT_CLKTCK, in.clktck});
  av.push_back({AT_PHDR, in.phdr});
  av.push_back({AT_PHENT, in.phent});
  av.push_back({AT_PHNUM, in.phnum});
  av.push_back({AT_BASE, in.base});
  av.push_back({AT_FLAGS, in.flags});
  av.push_back({AT_ENTRY, in.entry});
  av.push_back({AT_UID, in.uid});
  av.push_back({AT_EUID, in.euid});
  av.push_back({AT_GID, in.gid});
  av.push_back({AT_EGID, in.egid});
  av.push_back({AT_SECURE, in.secure});
  av.push_back({AT_RANDOM, st.random_addr});
  av.push_back({AT_HWCAP2, in.hwcap2});
  av.push_back({AT_EXECFN, st.execfn_addr});
  if (plat_len > 0) av.push_back({AT_PLATFORM, st.platform_addr});
  if (in.rseq_feature_size) {
    av.push_back({AT_RSEQ_FEATURE_SIZE, *in.rseq_feature_size});
  }
  if (in.rseq_align) av.push_back({AT_RSEQ_ALIGN, *in.rseq_align});
  av.push_back({AT_NULL, 0});

  uint64_t sp = p - av.size() * 16;
  const uint64_t items = (argc + 1) + (envc + 1) + 1;
  sp = (sp - items * 8) & ~uint64_t{15};
  st.sp = sp;

  st.bytes.assign(top - sp, 0);
  auto put = [&](uint64_t addr, const void* data, size_t len) {
    std::memcpy(st.bytes.data() + (addr - sp), data, len);
  };
  auto put64 = [&](uint64_t addr, uint64_t v) { put(addr, &v, 8); };
  for (const auto& [addr, s] : strings) put(addr, s->c_str(), CLen(*s) + 1);
  if (plat_len > 0) put(st.platform_addr, params.platform.c_str(), plat_len + 1);
  put(st.random_addr, params.random.data(), params.random.size());

  uint64_t q = sp;
  put64(q, argc);
  q += 8;
  for (uint64_t a : arg_addrs) put64(q, a), q += 8;
  q += 8;  // NULL
  for (uint64_t a : env_addrs) put64(q, a), q += 8;
  q += 8;  // NULL
  st.auxv_addr = q;
  for (const auto& [k, v] : av) put64(q, k), put64(q + 8, v), q += 16;
  return st;
}

}  // namespace sentry::loader
