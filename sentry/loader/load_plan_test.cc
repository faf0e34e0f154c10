#include "sentry/loader/load_plan.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sentry/loader/testing/readelf.h"

namespace sentry::loader {
namespace {

using Kind = MapOp::Kind;

MapOp File(uint64_t addr, uint64_t len, uint64_t off, int prot,
           Image img = Image::kExecutable) {
  MapOp op;
  op.kind = Kind::kMapFile;
  op.image = img;
  op.addr = addr;
  op.len = len;
  op.file_offset = off;
  op.prot = prot;
  return op;
}
MapOp Zero(uint64_t addr, uint64_t len, Image img = Image::kExecutable) {
  MapOp op;
  op.kind = Kind::kZeroFill;
  op.image = img;
  op.addr = addr;
  op.len = len;
  return op;
}
MapOp Anon(uint64_t addr, uint64_t len, int prot,
           Image img = Image::kExecutable) {
  MapOp op;
  op.kind = Kind::kMapAnon;
  op.image = img;
  op.addr = addr;
  op.len = len;
  op.prot = prot;
  return op;
}

ElfSegment Seg(uint64_t vaddr, uint64_t offset, uint64_t filesz,
               uint64_t memsz, int prot) {
  return ElfSegment{vaddr, memsz, offset, filesz, kPageSize, prot};
}

ElfInfo Info(uint16_t type, std::vector<ElfSegment> segs, uint64_t entry) {
  ElfInfo info;
  info.type = type;
  info.entry = entry;
  info.segments = std::move(segs);
  info.phdrs.resize(7);
  info.phdr_vaddr = info.segments.front().vaddr + 64;
  info.min_vaddr = PageDown(info.segments.front().vaddr);
  const ElfSegment& l = info.segments.back();
  info.max_vaddr = PageUp(l.vaddr + l.memsz);
  return info;
}

constexpr int RX = PROT_READ | PROT_EXEC;
constexpr int RW = PROT_READ | PROT_WRITE;

TEST(LoadPlanTest, TextDataBssLikeLinux) {
  ElfInfo exe = Info(ET_EXEC,
                     {Seg(0x400000, 0, 0x1234, 0x1234, RX),
                      Seg(0x402e10, 0x1e10, 0x100, 0x3000, RW)},
                     0x400100);
  ErrnoOr<LoadPlan> plan = MakeLoadPlan(exe, 0, nullptr, 0);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->ops,
              ::testing::ElementsAre(File(0x400000, 0x2000, 0, RX),
                                     File(0x402000, 0x1000, 0x1000, RW),
                                     Zero(0x402f10, 0xf0),
                                     Anon(0x403000, 0x3000, RW)));
  EXPECT_EQ(plan->brk, 0x406000u);
  EXPECT_EQ(plan->start_pc, 0x400100u);
  EXPECT_EQ(plan->at_entry, 0x400100u);
  EXPECT_EQ(plan->at_phdr, 0x400040u);
  EXPECT_EQ(plan->at_phnum, 7u);
  EXPECT_EQ(plan->at_base, 0u);
  EXPECT_EQ(plan->exec_start, 0x400000u);
  EXPECT_EQ(plan->exec_end, 0x406000u);
}

TEST(LoadPlanTest, SharedPageLaterSegmentWins) {
  // Text ends mid-page; data starts in the same page (different offset).
  ElfInfo exe = Info(ET_EXEC,
                     {Seg(0x400000, 0, 0x1234, 0x1234, RX),
                      Seg(0x401240, 0x1240, 0x10, 0x10, RW)},
                     0x400000);
  ErrnoOr<LoadPlan> plan = MakeLoadPlan(exe, 0, nullptr, 0);
  ASSERT_TRUE(plan.ok());
  // memsz == filesz: no zero fill; the tail of the last page keeps file bytes.
  EXPECT_THAT(plan->ops,
              ::testing::ElementsAre(File(0x400000, 0x2000, 0, RX),
                                     File(0x401000, 0x1000, 0x1000, RW)));
  EXPECT_EQ(plan->brk, 0x402000u);
}

TEST(LoadPlanTest, BssOnlySegmentAndPageAlignedFileEnd) {
  ElfInfo exe = Info(ET_DYN,
                     {Seg(0x0, 0, 0x2000, 0x4000, RW),  // file end aligned
                      Seg(0x5800, 0x5800, 0, 0x900, RW)},
                     0x10);
  ErrnoOr<LoadPlan> plan = MakeLoadPlan(exe, 0x10000000, nullptr, 0);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->ops,
              ::testing::ElementsAre(File(0x10000000, 0x2000, 0, RW),
                                     Anon(0x10002000, 0x2000, RW),
                                     Anon(0x10005000, 0x2000, RW)));
  EXPECT_EQ(plan->brk, 0x10007000u);
  EXPECT_EQ(plan->at_entry, 0x10000010u);
}

TEST(LoadPlanTest, BssPagesAreReadWriteLikeLinux) {
  ElfInfo exe = Info(ET_EXEC,
                     {Seg(0x400000, 0, 0x1100, 0x3000, PROT_READ),
                      Seg(0x404000, 0x4000, 0x100, 0x2000, RX)},
                     0x400000);
  ErrnoOr<LoadPlan> plan = MakeLoadPlan(exe, 0, nullptr, 0);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->ops,
              ::testing::ElementsAre(File(0x400000, 0x2000, 0, PROT_READ),
                                     Zero(0x401100, 0xf00),
                                     Anon(0x402000, 0x1000, RW),
                                     File(0x404000, 0x1000, 0x4000, RX),
                                     Zero(0x404100, 0xf00),
                                     Anon(0x405000, 0x1000, RW | PROT_EXEC)));
}

TEST(LoadPlanTest, WithInterpreter) {
  ElfInfo exe = Info(ET_DYN, {Seg(0, 0, 0x1000, 0x1000, RX)}, 0x100);
  exe.interp = "/lib64/ld.so";
  ElfInfo ld = Info(ET_DYN, {Seg(0, 0, 0x800, 0x800, RX)}, 0x20);
  const uint64_t eb = 0x555555554000, ib = 0x7ffff7fc0000;
  ErrnoOr<LoadPlan> plan = MakeLoadPlan(exe, eb, &ld, ib);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->ops, ::testing::ElementsAre(
                             File(eb, 0x1000, 0, RX),
                             File(ib, 0x1000, 0, RX, Image::kInterpreter)));
  EXPECT_EQ(plan->start_pc, ib + 0x20);
  EXPECT_EQ(plan->at_entry, eb + 0x100);
  EXPECT_EQ(plan->at_base, ib);
  EXPECT_EQ(plan->at_phdr, eb + 64);
  EXPECT_EQ(plan->brk, eb + 0x1000);
}

TEST(LoadPlanTest, RejectsOverlapAndOutOfRange) {
  ElfInfo exe = Info(ET_DYN, {Seg(0, 0, 0x1000, 0x3000, RX)}, 0);
  ElfInfo ld = Info(ET_DYN, {Seg(0, 0, 0x800, 0x800, RX)}, 0);
  auto err = [](const ErrnoOr<LoadPlan>& p) {
    return p.ok() ? 0 : p.error().value();
  };
  EXPECT_EQ(err(MakeLoadPlan(exe, 0x100000, &ld, 0x102000)), ENOMEM);
  EXPECT_EQ(err(MakeLoadPlan(exe, 0x100000, &ld, 0x103000)), 0);
  EXPECT_EQ(err(MakeLoadPlan(exe, kDefaultTaskSize - 0x2000, nullptr, 0)),
            ENOMEM);
  EXPECT_EQ(err(MakeLoadPlan(exe, ~uint64_t{0} - 0x1fff, nullptr, 0)), ENOMEM);
  EXPECT_EQ(err(MakeLoadPlan(exe, 0x100000, &ld, kDefaultTaskSize)), ENOMEM);
}

// The plan for a real PIE and its interpreter, with the default (no-ASLR)
// biases, against the mappings Linux made for the same files under
// `setarch -R`: every file mapping of the plan is where Linux put it, with
// the same file offsets, and the heap starts at the planned brk.
struct MapsLine {
  uint64_t start, end, offset;
  std::string perms, path;
};

std::vector<MapsLine> ParseMaps(const std::string& text) {
  std::vector<MapsLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    MapsLine m;
    std::string dev, inode;
    char dash;
    ls >> std::hex >> m.start >> dash >> m.end >> m.perms >> m.offset >> dev >>
        std::dec >> inode;
    std::getline(ls >> std::ws, m.path);
    out.push_back(m);
  }
  return out;
}

TEST(LoadPlanTest, MatchesLinuxWithoutAslr) {
  std::optional<std::string> maps =
      testing::RunCommand("setarch -R /bin/cat /proc/self/maps 2>/dev/null");
  if (!maps) GTEST_SKIP() << "setarch -R unavailable here";
  const std::string cat = "/usr/bin/cat";  // /bin -> usr/bin on Debian 12
  const std::string ld = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
  std::vector<uint8_t> cb = testing::ReadFileBytes(cat);
  std::vector<uint8_t> lb = testing::ReadFileBytes(ld);
  ASSERT_FALSE(cb.empty());
  ASSERT_FALSE(lb.empty());
  MemoryImageReader cr(cb), lr(lb);
  ErrnoOr<ElfInfo> exe = ParseElf(cr, ElfRole::kExecutable);
  ErrnoOr<ElfInfo> interp = ParseElf(lr, ElfRole::kInterpreter);
  ASSERT_TRUE(exe.ok());
  ASSERT_TRUE(interp.ok());
  ErrnoOr<uint64_t> eb = ChooseLoadBias(*exe, ElfRole::kExecutable, {});
  ErrnoOr<uint64_t> ib = ChooseLoadBias(*interp, ElfRole::kInterpreter, {});
  ASSERT_TRUE(eb.ok());
  ASSERT_TRUE(ib.ok());
  ErrnoOr<LoadPlan> plan = MakeLoadPlan(*exe, *eb, &*interp, *ib);
  ASSERT_TRUE(plan.ok());

  std::vector<MapsLine> lines = ParseMaps(*maps);
  int checked = 0;
  for (const MapOp& op : plan->ops) {
    if (op.kind != Kind::kMapFile) continue;
    const std::string& path = op.image == Image::kExecutable ? cat : ld;
    // Every page of the op lies in a mapping of `path` at the same offset.
    for (uint64_t a = op.addr; a < op.addr + op.len; a += kPageSize) {
      bool found = false;
      for (const MapsLine& m : lines) {
        if (m.path != path || a < m.start || a >= m.end) continue;
        EXPECT_EQ(m.offset + (a - m.start), op.file_offset + (a - op.addr))
            << std::hex << "page 0x" << a << " of " << path;
        found = true;
      }
      EXPECT_TRUE(found) << std::hex << "page 0x" << a << " of " << path
                         << " not mapped by Linux";
      checked++;
    }
  }
  EXPECT_GT(checked, 4);
  for (const MapsLine& m : lines) {
    if (m.path == "[heap]") {
      EXPECT_EQ(m.start, plan->brk);
    }
  }
}

// --- the plan against the kernel's own mappings right after execve --------

struct Page {
  int prot = 0;
  std::string path;  // "" for anonymous
  uint64_t offset = 0;
  bool operator==(const Page&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Page& p) {
  return os << "{prot " << p.prot << ", '" << p.path << "' +0x" << std::hex
            << p.offset << std::dec << "}";
}

// /proc/PID/maps of `path` stopped at its first instruction (PTRACE_TRACEME
// + execve), with ADDR_NO_RANDOMIZE; nullopt if that is not possible here.
std::optional<std::string> MapsAtExec(const std::string& path) {
  pid_t pid = fork();
  if (pid == 0) {
    if (personality(ADDR_NO_RANDOMIZE) == -1) _exit(10);
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(11);
    char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
    char* envp[] = {nullptr};
    execve(path.c_str(), argv, envp);
    _exit(12);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
    waitpid(pid, &status, 0);
    return std::nullopt;
  }
  std::string maps;
  std::vector<uint8_t> b =
      testing::ReadFileBytes("/proc/" + std::to_string(pid) + "/maps");
  maps.assign(b.begin(), b.end());
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return maps;
}

int ProtOf(const std::string& perms) {
  return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
         (perms[2] == 'x' ? PROT_EXEC : 0);
}

// Pages the kernel mapped for the images: file pages of `paths` and
// anonymous pages ([stack], [vdso], ... excluded).
std::map<uint64_t, Page> KernelPages(const std::string& maps) {
  std::map<uint64_t, Page> out;
  for (const MapsLine& m : ParseMaps(maps)) {
    if (!m.path.empty() && m.path[0] == '[') continue;
    for (uint64_t a = m.start; a < m.end; a += kPageSize) {
      out[a] = Page{ProtOf(m.perms), m.path,
                    m.path.empty() ? 0 : m.offset + (a - m.start)};
    }
  }
  return out;
}

// Pages the plan maps, replaying its ops in order (later ops win).
std::map<uint64_t, Page> PlanPages(const LoadPlan& plan,
                                   const std::string& exe_path,
                                   const std::string& interp_path) {
  std::map<uint64_t, Page> out;
  for (const MapOp& op : plan.ops) {
    if (op.kind == Kind::kZeroFill) continue;
    for (uint64_t a = op.addr; a < op.addr + op.len; a += kPageSize) {
      if (op.kind == Kind::kMapAnon) {
        out[a] = Page{op.prot, "", 0};
      } else {
        out[a] = Page{op.prot,
                      op.image == Image::kExecutable ? exe_path : interp_path,
                      op.file_offset + (a - op.addr)};
      }
    }
  }
  return out;
}

std::string RealPath(const std::string& p) {
  char buf[PATH_MAX];
  return realpath(p.c_str(), buf) ? std::string(buf) : p;
}

void ExpectPlanMatchesKernel(const std::string& path) {
  SCOPED_TRACE(path);
  std::optional<std::string> maps = MapsAtExec(path);
  if (!maps) GTEST_SKIP() << "cannot stop a child at exec here";
  std::vector<uint8_t> eb = testing::ReadFileBytes(path);
  MemoryImageReader er(eb);
  ErrnoOr<ElfInfo> exe = ParseElf(er, ElfRole::kExecutable);
  ASSERT_TRUE(exe.ok());
  ErrnoOr<uint64_t> ebias = ChooseLoadBias(*exe, ElfRole::kExecutable, {});
  ASSERT_TRUE(ebias.ok());
  std::string interp_path;
  std::optional<ElfInfo> interp;
  std::vector<uint8_t> ib;
  uint64_t ibias = 0;
  if (exe->interp) {
    interp_path = RealPath(*exe->interp);
    ib = testing::ReadFileBytes(interp_path);
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
  std::map<uint64_t, Page> want = PlanPages(*plan, RealPath(path), interp_path);
  std::map<uint64_t, Page> got = KernelPages(*maps);
  for (const auto& [addr, page] : want) {
    auto it = got.find(addr);
    if (it == got.end()) {
      ADD_FAILURE() << std::hex << "0x" << addr << " not mapped by Linux";
      continue;
    }
    EXPECT_EQ(it->second, page) << std::hex << "at 0x" << addr;
  }
  for (const auto& [addr, page] : got) {
    EXPECT_TRUE(want.count(addr)) << std::hex << "Linux maps 0x" << addr
                                  << " " << page << ", the plan does not";
  }
}

TEST(LoadPlanTest, KernelMapsAtExecPie) { ExpectPlanMatchesKernel("/bin/true"); }
TEST(LoadPlanTest, KernelMapsAtExecStatic) {
  ExpectPlanMatchesKernel(LOADER_STATIC_BIN);
}
TEST(LoadPlanTest, KernelMapsAtExecStaticPie) {
  ExpectPlanMatchesKernel(LOADER_STATIC_PIE_BIN);
}
TEST(LoadPlanTest, KernelMapsAtExecDynamicLoaderDirectly) {
  ExpectPlanMatchesKernel(RealPath("/lib64/ld-linux-x86-64.so.2"));
}

// A read-only PT_LOAD with bss: which prot do the bss pages get?
TEST(LoadPlanTest, KernelMapsAtExecReadOnlyBss) {
  std::vector<uint8_t> b = testing::ReadFileBytes(LOADER_STATIC_BIN);
  ASSERT_FALSE(b.empty());
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(b.data());
  auto* ph = reinterpret_cast<Elf64_Phdr*>(b.data() + eh->e_phoff);
  bool changed = false;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_LOAD && ph[i].p_memsz > ph[i].p_filesz) {
      ph[i].p_flags = PF_R;
      changed = true;
    }
  }
  ASSERT_TRUE(changed);
  char path[] = "/tmp/loader_robss_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, b.data(), b.size()), static_cast<ssize_t>(b.size()));
  fchmod(fd, 0755);
  close(fd);
  ExpectPlanMatchesKernel(path);
  unlink(path);
}

}  // namespace
}  // namespace sentry::loader
