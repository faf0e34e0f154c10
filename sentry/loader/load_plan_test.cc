#include "sentry/loader/load_plan.h"

#include <sys/mman.h>

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

}  // namespace
}  // namespace sentry::loader
