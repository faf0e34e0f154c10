#include "sentry/loader/stack.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sentry/loader/elf.h"
#include "sentry/loader/load_plan.h"
#include "sentry/loader/testing/readelf.h"

namespace sentry::loader {
namespace {

// Reads the built stack as the process would see it at target addresses.
class StackView {
 public:
  explicit StackView(const InitialStack& st) : st_(st) {}
  bool Contains(uint64_t addr, uint64_t len) const {
    return addr >= st_.sp && addr <= st_.stack_top &&
           len <= st_.stack_top - addr;
  }
  uint64_t U64(uint64_t addr) const {
    EXPECT_TRUE(Contains(addr, 8)) << std::hex << addr;
    uint64_t v = 0;
    if (Contains(addr, 8)) std::memcpy(&v, &st_.bytes[addr - st_.sp], 8);
    return v;
  }
  std::string Str(uint64_t addr) const {
    std::string s;
    while (Contains(addr, 1) && st_.bytes[addr - st_.sp] != 0) {
      s += static_cast<char>(st_.bytes[addr - st_.sp]);
      addr++;
    }
    EXPECT_TRUE(Contains(addr, 1)) << "unterminated string";
    return s;
  }

 private:
  const InitialStack& st_;
};

// What a process finds at rsp: argc, argv, envp, auxv.
struct Walked {
  uint64_t argc = 0;
  std::vector<std::string> argv, envp;
  std::vector<uint64_t> argv_ptrs, envp_ptrs;
  std::vector<std::pair<uint64_t, uint64_t>> auxv;
  std::map<uint64_t, uint64_t> aux;
};

Walked Walk(const InitialStack& st) {
  StackView v(st);
  Walked w;
  uint64_t p = st.sp;
  w.argc = v.U64(p);
  p += 8;
  for (uint64_t i = 0; i < w.argc; i++, p += 8) {
    w.argv_ptrs.push_back(v.U64(p));
    w.argv.push_back(v.Str(w.argv_ptrs.back()));
  }
  EXPECT_EQ(v.U64(p), 0u) << "argv not NULL-terminated";
  p += 8;
  for (; v.U64(p) != 0; p += 8) {
    w.envp_ptrs.push_back(v.U64(p));
    w.envp.push_back(v.Str(w.envp_ptrs.back()));
  }
  p += 8;
  for (;; p += 16) {
    uint64_t k = v.U64(p), val = v.U64(p + 8);
    w.auxv.push_back({k, val});
    w.aux[k] = val;
    if (k == AT_NULL) break;
  }
  return w;
}

StackParams Params() {
  StackParams p;
  p.argv = {"/bin/prog", "-x", "hello world", ""};
  p.envp = {"HOME=/root", "PATH=/usr/bin:/bin", "EMPTY="};
  p.execfn = "/bin/prog";
  for (int i = 0; i < 16; i++) p.random[i] = 0xa0 + i;
  p.auxv.sysinfo_ehdr = 0x7ffff7fc8000;
  p.auxv.minsigstksz = 3376;
  p.auxv.hwcap = 0x178bfbff;
  p.auxv.hwcap2 = 2;
  p.auxv.phdr = 0x555555554040;
  p.auxv.phnum = 13;
  p.auxv.base = 0x7ffff7fca000;
  p.auxv.entry = 0x5555555563d0;
  p.auxv.uid = 1000;
  p.auxv.euid = 1001;
  p.auxv.gid = 1002;
  p.auxv.egid = 1003;
  return p;
}

TEST(StackTest, WalkBack) {
  StackParams p = Params();
  ErrnoOr<InitialStack> st = BuildInitialStack(p);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->sp % 16, 0u);
  EXPECT_EQ(st->sp + st->bytes.size(), p.stack_top);
  Walked w = Walk(*st);
  EXPECT_EQ(w.argc, 4u);
  EXPECT_EQ(w.argv, p.argv);
  EXPECT_EQ(w.envp, p.envp);
  // Strings are contiguous, argv[0] lowest, then envp, then execfn, then 8
  // zero bytes up to the top.
  EXPECT_EQ(w.argv_ptrs[0], st->arg_start);
  EXPECT_EQ(w.envp_ptrs[0], st->arg_end);
  EXPECT_EQ(st->env_end, st->execfn_addr);
  for (size_t i = 1; i < w.argv_ptrs.size(); i++) {
    EXPECT_EQ(w.argv_ptrs[i], w.argv_ptrs[i - 1] + p.argv[i - 1].size() + 1);
  }
  EXPECT_EQ(st->execfn_addr + p.execfn.size() + 1 + 8, p.stack_top);
  StackView v(*st);
  EXPECT_EQ(v.U64(p.stack_top - 8), 0u);

  // auxv: order and values as Linux writes them.
  std::vector<uint64_t> keys;
  for (auto& [k, val] : w.auxv) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::ElementsAre(
                        AT_SYSINFO_EHDR, AT_MINSIGSTKSZ, AT_HWCAP, AT_PAGESZ,
                        AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE,
                        AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID,
                        AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN,
                        AT_PLATFORM, AT_NULL));
  EXPECT_EQ(w.auxv, st->auxv);
  EXPECT_EQ(w.aux[AT_SYSINFO_EHDR], 0x7ffff7fc8000u);
  EXPECT_EQ(w.aux[AT_PAGESZ], 4096u);
  EXPECT_EQ(w.aux[AT_CLKTCK], 100u);
  EXPECT_EQ(w.aux[AT_PHDR], 0x555555554040u);
  EXPECT_EQ(w.aux[AT_PHENT], 56u);
  EXPECT_EQ(w.aux[AT_PHNUM], 13u);
  EXPECT_EQ(w.aux[AT_BASE], 0x7ffff7fca000u);
  EXPECT_EQ(w.aux[AT_ENTRY], 0x5555555563d0u);
  EXPECT_EQ(w.aux[AT_UID], 1000u);
  EXPECT_EQ(w.aux[AT_EUID], 1001u);
  EXPECT_EQ(w.aux[AT_GID], 1002u);
  EXPECT_EQ(w.aux[AT_EGID], 1003u);
  EXPECT_EQ(w.aux[AT_HWCAP], 0x178bfbffu);
  EXPECT_EQ(w.aux[AT_HWCAP2], 2u);
  EXPECT_EQ(w.aux[AT_MINSIGSTKSZ], 3376u);
  EXPECT_EQ(v.Str(w.aux[AT_EXECFN]), "/bin/prog");
  EXPECT_EQ(v.Str(w.aux[AT_PLATFORM]), "x86_64");
  ASSERT_TRUE(v.Contains(w.aux[AT_RANDOM], 16));
  EXPECT_EQ(0, std::memcmp(&st->bytes[w.aux[AT_RANDOM] - st->sp],
                           p.random.data(), 16));
  // AT_RANDOM bytes sit right below the platform string, which sits at the
  // 16-byte aligned point below the argument strings.
  EXPECT_EQ(w.aux[AT_PLATFORM] + 7, st->arg_start & ~uint64_t{15});
  EXPECT_EQ(w.aux[AT_RANDOM] + 16, w.aux[AT_PLATFORM]);
}

TEST(StackTest, AlignmentForAllParities) {
  // rsp % 16 == 0 whatever the number of pointers and string lengths.
  for (int nargs = 0; nargs < 4; nargs++) {
    for (int nenv = 0; nenv < 4; nenv++) {
      for (int slen = 0; slen < 17; slen++) {
        StackParams p;
        for (int i = 0; i < nargs; i++) p.argv.push_back(std::string(slen, 'a'));
        for (int i = 0; i < nenv; i++) p.envp.push_back(std::string(slen, 'e'));
        p.execfn = std::string(slen + 1, 'f');
        p.random_pad = slen * 3;
        p.auxv.rseq_feature_size = 28;
        p.auxv.rseq_align = 32;
        ErrnoOr<InitialStack> st = BuildInitialStack(p);
        ASSERT_TRUE(st.ok());
        ASSERT_EQ(st->sp % 16, 0u);
        Walked w = Walk(*st);
        // An empty argv becomes {""}.
        ASSERT_EQ(w.argc, nargs == 0 ? 1u : static_cast<uint64_t>(nargs));
        if (nargs == 0) {
          EXPECT_EQ(w.argv[0], "");
        }
        ASSERT_EQ(w.envp.size(), static_cast<size_t>(nenv));
        EXPECT_EQ(w.aux[AT_RSEQ_FEATURE_SIZE], 28u);
        EXPECT_EQ(w.aux[AT_RSEQ_ALIGN], 32u);
        EXPECT_EQ(w.aux.count(AT_SYSINFO_EHDR), 0u);
      }
    }
  }
}

TEST(StackTest, E2big) {
  // One string at MAX_ARG_STRLEN (NUL included) is fine; one byte more is not.
  StackParams p;
  p.execfn = "/x";
  p.argv = {"x", std::string(kMaxArgStrlen - 1, 'a')};
  EXPECT_TRUE(BuildInitialStack(p).ok());
  p.argv[1].push_back('a');
  ErrnoOr<InitialStack> st = BuildInitialStack(p);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().value(), E2BIG);
  p.argv = {"x"};
  p.execfn = std::string(kMaxArgStrlen, 'f');
  EXPECT_EQ(BuildInitialStack(p).error().value(), E2BIG);

  // Total limit: rlimit 8 MiB -> 2 MiB for strings plus pointers.
  p.execfn = "/x";
  p.envp.assign(17, std::string(kMaxArgStrlen - 1, 'e'));  // 17 * 128 KiB
  EXPECT_EQ(BuildInitialStack(p).error().value(), E2BIG);
  p.envp.resize(15);
  EXPECT_TRUE(BuildInitialStack(p).ok());
  p.rlimit_stack = 32 << 20;  // limit min(32 MiB / 4, 6 MiB) = 6 MiB
  p.envp.assign(17, std::string(kMaxArgStrlen - 1, 'e'));
  EXPECT_TRUE(BuildInitialStack(p).ok());
  // A tiny rlimit still allows ARG_MAX (128 KiB).
  p.rlimit_stack = 4096;
  p.envp.assign(1, std::string(100000, 'e'));
  EXPECT_TRUE(BuildInitialStack(p).ok());
  p.envp.push_back(std::string(40000, 'e'));
  EXPECT_EQ(BuildInitialStack(p).error().value(), E2BIG);

  // Exact boundary: strings + 8 * (argc + envc) == limit is accepted.
  p.rlimit_stack = 8 << 20;  // limit = 8 MiB / 4
  const uint64_t limit = 2 << 20;
  p.argv = {"a"};   // 2 bytes
  p.execfn = "/x";  // 3 bytes
  const uint64_t envc = 17;
  const uint64_t budget = limit - 8 * (1 + envc) - 2 - 3;
  p.envp.clear();
  for (uint64_t i = 0; i < envc; i++) {
    uint64_t bytes = budget / envc + (i == envc - 1 ? budget % envc : 0);
    p.envp.push_back(std::string(bytes - 1, 'e'));
  }
  EXPECT_TRUE(BuildInitialStack(p).ok());
  p.envp.back().push_back('e');
  EXPECT_EQ(BuildInitialStack(p).error().value(), E2BIG);
}

TEST(StackTest, HostAuxvDefaultsAreSane) {
  AuxvInput a = HostAuxvDefaults();
  EXPECT_EQ(a.pagesz, 4096u);
  EXPECT_EQ(a.clktck, 100u);
  EXPECT_NE(a.hwcap, 0u);
  EXPECT_NE(a.minsigstksz, 0u);
}

// execve(2) of /bin/true natively with RLIMIT_STACK = `rlimit`: 0 or errno.
int NativeExecve(const std::vector<std::string>& argv,
                 const std::vector<std::string>& envp, uint64_t rlimit) {
  std::vector<char*> av, ev;
  for (auto& s : argv) av.push_back(const_cast<char*>(s.c_str()));
  av.push_back(nullptr);
  for (auto& s : envp) ev.push_back(const_cast<char*>(s.c_str()));
  ev.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {rlimit, rlimit};
    if (setrlimit(RLIMIT_STACK, &rl) != 0) _exit(200);
    execve("/bin/true", av.data(), ev.data());
    _exit(errno);
  }
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The E2BIG boundary is where Linux puts it: fill exactly the limit, then
// one byte more, and execve natively with the same strings.
TEST(StackTest, E2bigBoundaryMatchesLinux) {
  for (uint64_t rlimit : {uint64_t{8} << 20, uint64_t{1} << 20}) {
    StackParams p;
    p.rlimit_stack = rlimit;
    p.execfn = "/bin/true";
    p.argv = {"true", "x"};
    const uint64_t limit = std::max<uint64_t>(rlimit / 4, kArgMax);
    const uint64_t envc = limit / (kMaxArgStrlen / 2) + 1;
    const uint64_t budget =
        limit - 8 * (2 + envc) - (p.execfn.size() + 1) - 5 - 2;
    for (uint64_t i = 0; i < envc; i++) {
      uint64_t bytes = budget / envc + (i == envc - 1 ? budget % envc : 0);
      p.envp.push_back("E=" + std::string(bytes - 3, 'e'));
    }
    SCOPED_TRACE(rlimit);
    EXPECT_TRUE(BuildInitialStack(p).ok());
    EXPECT_EQ(NativeExecve(p.argv, p.envp, rlimit), 0);
    p.envp.back().push_back('e');
    ErrnoOr<InitialStack> st = BuildInitialStack(p);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().value(), E2BIG);
    EXPECT_EQ(NativeExecve(p.argv, p.envp, rlimit), E2BIG);
  }
}

// --- the real thing ---------------------------------------------------------

struct Dump {
  uint64_t rsp = 0, top = 0;
  std::vector<uint8_t> bytes;
};

// Runs the stack dumper with ASLR off (so no random stack padding), with the
// given argv and envp, and returns its initial stack.
std::optional<Dump> RunDumper(const char* binary,
                              const std::vector<std::string>& argv,
                              const std::vector<std::string>& envp) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  std::vector<char*> av, ev;
  for (auto& s : argv) av.push_back(const_cast<char*>(s.c_str()));
  av.push_back(nullptr);
  for (auto& s : envp) ev.push_back(const_cast<char*>(s.c_str()));
  ev.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    if (personality(ADDR_NO_RANDOMIZE) == -1) _exit(10);
    execve(binary, av.data(), ev.data());
    _exit(11);
  }
  close(fds[1]);
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.size() < 16) {
    return std::nullopt;
  }
  Dump d;
  std::memcpy(&d.rsp, out.data(), 8);
  std::memcpy(&d.top, out.data() + 8, 8);
  d.bytes.assign(out.begin() + 16, out.end());
  return d;
}

// Runs `binary` (a build of testdata/stack_dump.c) natively and rebuilds
// its initial stack: the bytes must be identical.
void ExpectSameStackAsLinux(const char* binary) {
  SCOPED_TRACE(binary);
  const std::vector<std::string> argv = {"stack_dump", "one", "",
                                         "three words here", "x"};
  const std::vector<std::string> envp = {"A=1", "LONGER_VARIABLE=some value",
                                         "Z="};
  std::optional<Dump> d = RunDumper(binary, argv, envp);
  if (!d) GTEST_SKIP() << "could not run the dumper with ADDR_NO_RANDOMIZE";
  ASSERT_EQ(d->rsp + d->bytes.size(), d->top);
  ASSERT_EQ(d->rsp % 16, 0u);

  // Read the kernel's auxv from the dump.
  InitialStack real;
  real.sp = d->rsp;
  real.stack_top = d->top;
  real.bytes = d->bytes;
  Walked w = Walk(real);
  ASSERT_EQ(w.argv, argv);
  ASSERT_EQ(w.envp, envp);

  // Build ours from the same inputs; machine-dependent values come from the
  // real auxv, load-dependent ones from our own parse + plan of the dumper.
  StackParams p;
  p.stack_top = d->top;
  p.argv = argv;
  p.envp = envp;
  p.execfn = binary;
  ASSERT_TRUE(StackView(real).Contains(w.aux[AT_RANDOM], 16));
  std::memcpy(p.random.data(), &d->bytes[w.aux[AT_RANDOM] - d->rsp], 16);
  p.auxv = HostAuxvDefaults();
  if (w.aux.count(AT_SYSINFO_EHDR)) p.auxv.sysinfo_ehdr = w.aux[AT_SYSINFO_EHDR];
  if (w.aux.count(AT_RSEQ_FEATURE_SIZE)) {
    p.auxv.rseq_feature_size = w.aux[AT_RSEQ_FEATURE_SIZE];
  }
  if (w.aux.count(AT_RSEQ_ALIGN)) p.auxv.rseq_align = w.aux[AT_RSEQ_ALIGN];
  p.auxv.uid = getuid();
  p.auxv.euid = geteuid();
  p.auxv.gid = getgid();
  p.auxv.egid = getegid();

  std::vector<uint8_t> eb = testing::ReadFileBytes(binary);
  MemoryImageReader er(eb);
  ErrnoOr<ElfInfo> exe = ParseElf(er, ElfRole::kExecutable);
  ASSERT_TRUE(exe.ok());
  ErrnoOr<uint64_t> ebias = ChooseLoadBias(*exe, ElfRole::kExecutable, {});
  ASSERT_TRUE(ebias.ok());
  std::optional<ElfInfo> interp;
  uint64_t ibias = 0;
  if (exe->interp) {
    std::vector<uint8_t> ib = testing::ReadFileBytes(*exe->interp);
    MemoryImageReader ir(ib);
    ErrnoOr<ElfInfo> i = ParseElf(ir, ElfRole::kInterpreter);
    ASSERT_TRUE(i.ok());
    interp = *i;
    ErrnoOr<uint64_t> b = ChooseLoadBias(*interp, ElfRole::kInterpreter, {});
    ASSERT_TRUE(b.ok());
    ibias = *b;
  }
  ErrnoOr<LoadPlan> plan =
      MakeLoadPlan(*exe, *ebias, interp ? &*interp : nullptr, ibias);
  ASSERT_TRUE(plan.ok());
  p.auxv.phdr = plan->at_phdr;
  p.auxv.phent = plan->at_phent;
  p.auxv.phnum = plan->at_phnum;
  p.auxv.base = plan->at_base;
  p.auxv.entry = plan->at_entry;

  ErrnoOr<InitialStack> st = BuildInitialStack(p);
  ASSERT_TRUE(st.ok());
  Walked ours = Walk(*st);
  EXPECT_EQ(ours.auxv, w.auxv);  // readable diff first
  EXPECT_EQ(st->sp, d->rsp);
  ASSERT_EQ(st->bytes.size(), d->bytes.size());
  for (size_t i = 0; i < d->bytes.size(); i++) {
    ASSERT_EQ(st->bytes[i], d->bytes[i])
        << "first difference at 0x" << std::hex << d->rsp + i;
  }
}

TEST(StackTest, ByteForByteLikeLinuxPie) {
  ExpectSameStackAsLinux(LOADER_STACK_DUMP_BIN);
}
TEST(StackTest, ByteForByteLikeLinuxStatic) {
  ExpectSameStackAsLinux(LOADER_STACK_DUMP_STATIC_BIN);
}
TEST(StackTest, ByteForByteLikeLinuxStaticPie) {
  ExpectSameStackAsLinux(LOADER_STACK_DUMP_STATIC_PIE_BIN);
}

}  // namespace
}  // namespace sentry::loader
