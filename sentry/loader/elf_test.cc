#include "sentry/loader/elf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sentry/loader/load_plan.h"
#include "sentry/loader/testing/readelf.h"

namespace sentry::loader {
namespace {

using testing::ReadelfInfo;

int ProtFromReadelf(const std::string& flags) {
  int prot = 0;
  if (flags.find('R') != std::string::npos) prot |= PROT_READ;
  if (flags.find('W') != std::string::npos) prot |= PROT_WRITE;
  if (flags.find('E') != std::string::npos) prot |= PROT_EXEC;
  return prot;
}

// Parses `path` through a host FD and checks every fact against readelf.
ElfInfo ParseAndCompare(const std::string& path, ElfRole role) {
  std::optional<ReadelfInfo> re = testing::Readelf(path);
  EXPECT_TRUE(re.has_value()) << "readelf failed on " << path;
  if (!re) return {};
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << path;
  HostFdImageReader reader(fd);
  ErrnoOr<ElfInfo> info = ParseElf(reader, role);
  close(fd);
  EXPECT_TRUE(info.ok()) << path << ": errno "
                         << (info.ok() ? 0 : info.error().value());
  if (!info.ok()) return {};

  EXPECT_EQ(info->type, re->type == "DYN" ? ET_DYN : ET_EXEC) << path;
  EXPECT_EQ(info->entry, re->entry) << path;
  EXPECT_EQ(info->phdrs.size(), re->phnum) << path;
  EXPECT_EQ(info->phdrs.size(), re->phdrs.size()) << path;

  std::vector<testing::ReadelfPhdr> loads;
  std::optional<uint64_t> phdr_vaddr;
  StackExec stack = StackExec::kDefault;
  for (const auto& ph : re->phdrs) {
    if (ph.type == "LOAD") loads.push_back(ph);
    if (ph.type == "PHDR") phdr_vaddr = ph.vaddr;
    if (ph.type == "GNU_STACK") {
      stack = ph.flags.find('E') != std::string::npos ? StackExec::kExec
                                                       : StackExec::kNoExec;
    }
  }
  EXPECT_EQ(info->stack_exec, stack) << path;
  EXPECT_EQ(info->pt_phdr_vaddr, phdr_vaddr) << path;
  if (phdr_vaddr) {
    EXPECT_EQ(info->phdr_vaddr, *phdr_vaddr) << path;
  }
  if (role == ElfRole::kExecutable) {
    EXPECT_EQ(info->interp, re->interp) << path;
  } else {
    EXPECT_FALSE(info->interp.has_value());
  }
  EXPECT_EQ(info->segments.size(), loads.size()) << path;
  for (size_t i = 0; i < std::min(loads.size(), info->segments.size()); i++) {
    const ElfSegment& s = info->segments[i];
    EXPECT_EQ(s.vaddr, loads[i].vaddr) << path << " LOAD " << i;
    EXPECT_EQ(s.offset, loads[i].offset) << path << " LOAD " << i;
    EXPECT_EQ(s.filesz, loads[i].filesz) << path << " LOAD " << i;
    EXPECT_EQ(s.memsz, loads[i].memsz) << path << " LOAD " << i;
    EXPECT_EQ(s.align, loads[i].align) << path << " LOAD " << i;
    EXPECT_EQ(s.prot, ProtFromReadelf(loads[i].flags)) << path << " LOAD " << i;
  }
  if (!loads.empty()) {
    EXPECT_EQ(info->min_vaddr, PageDown(loads.front().vaddr));
    EXPECT_EQ(info->max_vaddr, PageUp(loads.back().vaddr + loads.back().memsz));
  }
  return std::move(info).value();
}

TEST(ElfTest, BinTrueIsPieWithInterp) {
  ElfInfo info = ParseAndCompare("/bin/true", ElfRole::kExecutable);
  EXPECT_EQ(info.type, ET_DYN);
  ASSERT_TRUE(info.interp.has_value());
  EXPECT_EQ(*info.interp, "/lib64/ld-linux-x86-64.so.2");
}

TEST(ElfTest, DynamicLoaderAsExecutableAndInterpreter) {
  ElfInfo a = ParseAndCompare("/lib64/ld-linux-x86-64.so.2",
                              ElfRole::kExecutable);
  EXPECT_EQ(a.type, ET_DYN);
  EXPECT_FALSE(a.interp.has_value());
  ParseAndCompare("/lib64/ld-linux-x86-64.so.2", ElfRole::kInterpreter);
}

TEST(ElfTest, StaticBinary) {
  ElfInfo info = ParseAndCompare(LOADER_STATIC_BIN, ElfRole::kExecutable);
  EXPECT_EQ(info.type, ET_EXEC);
  EXPECT_FALSE(info.interp.has_value());
  bool has_bss = false;
  for (const auto& s : info.segments) has_bss |= s.memsz > s.filesz;
  EXPECT_TRUE(has_bss);
}

TEST(ElfTest, StaticPieBinary) {
  ElfInfo info = ParseAndCompare(LOADER_STATIC_PIE_BIN, ElfRole::kExecutable);
  EXPECT_EQ(info.type, ET_DYN);
  EXPECT_FALSE(info.interp.has_value());
}

TEST(ElfTest, MoreSystemBinariesMatchReadelf) {
  for (const char* p : {"/bin/sh", "/usr/bin/env", "/bin/ls"}) {
    if (access(p, R_OK) == 0) ParseAndCompare(p, ElfRole::kExecutable);
  }
}

// --- bias choice -----------------------------------------------------------

TEST(ElfBiasTest, LinuxDefaultsWithoutAslr) {
  std::vector<uint8_t> t = testing::ReadFileBytes("/bin/true");
  MemoryImageReader tr(t);
  ErrnoOr<ElfInfo> exe = ParseElf(tr, ElfRole::kExecutable);
  ASSERT_TRUE(exe.ok());
  std::vector<uint8_t> l =
      testing::ReadFileBytes("/lib64/ld-linux-x86-64.so.2");
  MemoryImageReader lr(l);
  ErrnoOr<ElfInfo> ld = ParseElf(lr, ElfRole::kInterpreter);
  ASSERT_TRUE(ld.ok());
  BiasPolicy policy;
  ErrnoOr<uint64_t> eb = ChooseLoadBias(*exe, ElfRole::kExecutable, policy);
  ASSERT_TRUE(eb.ok());
  EXPECT_EQ(*eb + exe->min_vaddr, 0x555555554000ULL);
  ErrnoOr<uint64_t> ib = ChooseLoadBias(*ld, ElfRole::kInterpreter, policy);
  ASSERT_TRUE(ib.ok());
  EXPECT_EQ(*ib + ld->max_vaddr, policy.mmap_top);
  EXPECT_EQ(*ib % ld->max_align, 0u);

  // Same seed, same bias; different seeds differ; all page aligned.
  policy.seed = 1;
  ErrnoOr<uint64_t> r1 = ChooseLoadBias(*exe, ElfRole::kExecutable, policy);
  ErrnoOr<uint64_t> r1b = ChooseLoadBias(*exe, ElfRole::kExecutable, policy);
  policy.seed = 2;
  ErrnoOr<uint64_t> r2 = ChooseLoadBias(*exe, ElfRole::kExecutable, policy);
  ErrnoOr<uint64_t> i2 = ChooseLoadBias(*ld, ElfRole::kInterpreter, policy);
  ASSERT_TRUE(r1.ok() && r1b.ok() && r2.ok() && i2.ok());
  EXPECT_EQ(*r1, *r1b);
  EXPECT_NE(*r1, *r2);
  EXPECT_EQ(*r1 % kPageSize, 0u);
  EXPECT_EQ(*i2 % kPageSize, 0u);
  EXPECT_LT(*i2 + ld->max_vaddr, BiasPolicy().mmap_top);
}

TEST(ElfBiasTest, EtExecHasNoBias) {
  std::vector<uint8_t> b = testing::ReadFileBytes(LOADER_STATIC_BIN);
  MemoryImageReader r(b);
  ErrnoOr<ElfInfo> info = ParseElf(r, ElfRole::kExecutable);
  ASSERT_TRUE(info.ok());
  BiasPolicy policy;
  policy.seed = 7;
  ErrnoOr<uint64_t> bias = ChooseLoadBias(*info, ElfRole::kExecutable, policy);
  ASSERT_TRUE(bias.ok());
  EXPECT_EQ(*bias, 0u);
}

TEST(ElfBiasTest, StaticPieGoesBelowMmapTop) {
  std::vector<uint8_t> b = testing::ReadFileBytes(LOADER_STATIC_PIE_BIN);
  MemoryImageReader r(b);
  ErrnoOr<ElfInfo> info = ParseElf(r, ElfRole::kExecutable);
  ASSERT_TRUE(info.ok());
  ErrnoOr<uint64_t> bias =
      ChooseLoadBias(*info, ElfRole::kExecutable, BiasPolicy());
  ASSERT_TRUE(bias.ok());
  EXPECT_EQ(*bias + info->max_vaddr, BiasPolicy().mmap_top);
}

// --- malformed images --------------------------------------------------------

class MalformedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = testing::ReadFileBytes("/bin/true");
    ASSERT_GT(bytes_.size(), 4096u);
  }
  Elf64_Ehdr& eh() { return *reinterpret_cast<Elf64_Ehdr*>(bytes_.data()); }
  Elf64_Phdr& ph(size_t i) {
    return reinterpret_cast<Elf64_Phdr*>(bytes_.data() + eh().e_phoff)[i];
  }
  // Index of the n-th program header of `type`.
  size_t Find(uint32_t type, int n = 0) {
    for (size_t i = 0; i < eh().e_phnum; i++) {
      if (ph(i).p_type == type && n-- == 0) return i;
    }
    ADD_FAILURE() << "no phdr of type " << type;
    return 0;
  }
  int Parse(ElfRole role = ElfRole::kExecutable) {
    MemoryImageReader r(bytes_);
    ErrnoOr<ElfInfo> info = ParseElf(r, role);
    return info.ok() ? 0 : info.error().value();
  }
  std::vector<uint8_t> bytes_;
};

TEST_F(MalformedTest, Unmodified) { EXPECT_EQ(Parse(), 0); }

TEST_F(MalformedTest, TruncatedHeader) {
  bytes_.resize(40);
  EXPECT_EQ(Parse(), ENOEXEC);
  EXPECT_EQ(Parse(ElfRole::kInterpreter), ELIBBAD);
  bytes_.clear();
  EXPECT_EQ(Parse(), ENOEXEC);
}

TEST_F(MalformedTest, BadIdent) {
  bytes_[1] = 'F';
  EXPECT_EQ(Parse(), ENOEXEC);
  EXPECT_EQ(Parse(ElfRole::kInterpreter), ELIBBAD);
  SetUp();
  bytes_[EI_CLASS] = ELFCLASS32;
  EXPECT_EQ(Parse(), ENOEXEC);
  SetUp();
  bytes_[EI_DATA] = ELFDATA2MSB;
  EXPECT_EQ(Parse(), ENOEXEC);
}

TEST_F(MalformedTest, WrongMachineOrType) {
  eh().e_machine = EM_386;
  EXPECT_EQ(Parse(), ENOEXEC);
  EXPECT_EQ(Parse(ElfRole::kInterpreter), ELIBBAD);
  eh().e_machine = EM_X86_64;
  for (uint16_t t : {ET_NONE, ET_REL, ET_CORE}) {
    eh().e_type = t;
    EXPECT_EQ(Parse(), ENOEXEC) << t;
  }
}

TEST_F(MalformedTest, ProgramHeaderTableBounds) {
  const Elf64_Ehdr saved = eh();
  eh().e_phoff = bytes_.size() + 8;
  EXPECT_EQ(Parse(), ENOEXEC);
  eh().e_phoff = bytes_.size() - 10;
  EXPECT_EQ(Parse(), ENOEXEC);
  eh().e_phoff = ~uint64_t{0} - 20;  // offset + size wraps
  EXPECT_EQ(Parse(), ENOEXEC);
  eh() = saved;
  eh().e_phnum = 0;
  EXPECT_EQ(Parse(), ENOEXEC);
  eh().e_phnum = 74;  // 74 * 56 > 4096
  EXPECT_EQ(Parse(), ENOEXEC);
  eh().e_phnum = 0xffff;
  EXPECT_EQ(Parse(), ENOEXEC);
  eh() = saved;
  eh().e_phentsize = 32;
  EXPECT_EQ(Parse(), ENOEXEC);
}

TEST_F(MalformedTest, OverlappingOrUnsortedLoads) {
  size_t a = Find(PT_LOAD, 0), b = Find(PT_LOAD, 1);
  // b starts inside a (keeping b's vaddr/offset congruent).
  Elf64_Phdr saved = ph(b);
  ph(b).p_vaddr = ph(a).p_vaddr + ph(a).p_memsz - 8;
  ph(b).p_offset = ph(b).p_vaddr % kPageSize;
  ph(b).p_filesz = ph(b).p_memsz = 16;
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(b) = saved;
  std::swap(ph(a), ph(b));
  EXPECT_EQ(Parse(), ENOEXEC);
  EXPECT_EQ(Parse(ElfRole::kInterpreter), ELIBBAD);
}

TEST_F(MalformedTest, SegmentFields) {
  size_t i = Find(PT_LOAD, 1);
  const Elf64_Phdr saved = ph(i);
  ph(i).p_filesz = ph(i).p_memsz + 1;
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(i) = saved;
  ph(i).p_offset += 1;  // vaddr and offset no longer congruent
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(i) = saved;
  ph(i).p_offset += 100 * kPageSize;  // file range past EOF
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(i) = saved;
  ph(i).p_memsz = ~uint64_t{0} - 0x1000;  // wraps
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(i) = saved;
  // The last PT_LOAD, moved so that it crosses task_size.
  size_t last = i;
  for (size_t j = 0; j < eh().e_phnum; j++) {
    if (ph(j).p_type == PT_LOAD) last = j;
  }
  const Elf64_Phdr saved_last = ph(last);
  ph(last).p_vaddr = kDefaultTaskSize - 0x1000 + 0x10;
  ph(last).p_offset = 0x10;
  ph(last).p_filesz = 0x10;
  ph(last).p_memsz = 0x1000;
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(last).p_memsz = 0x100;  // just below: accepted
  EXPECT_EQ(Parse(), 0);
  ph(last) = saved_last;
  for (size_t j = 0; j < eh().e_phnum; j++) {
    if (ph(j).p_type == PT_LOAD) ph(j).p_type = PT_NULL;
  }
  EXPECT_EQ(Parse(), ENOEXEC);
}

TEST_F(MalformedTest, Interp) {
  size_t i = Find(PT_INTERP);
  const Elf64_Phdr saved = ph(i);
  bytes_[ph(i).p_offset + ph(i).p_filesz - 1] = 'x';  // no NUL
  EXPECT_EQ(Parse(), ENOEXEC);
  // An interpreter's own PT_INTERP is not read.
  EXPECT_EQ(Parse(ElfRole::kInterpreter), 0);
  SetUp();
  ph(i).p_filesz = kMaxInterpSize + 1;
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(i).p_filesz = 1;
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(i) = saved;
  ph(i).p_offset = bytes_.size() - 4;
  EXPECT_EQ(Parse(), ENOEXEC);
  ph(i) = saved;
  // A NUL inside the path ends it, as for open().
  bytes_[ph(i).p_offset + 5] = '\0';
  MemoryImageReader r(bytes_);
  ErrnoOr<ElfInfo> info = ParseElf(r, ElfRole::kExecutable);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(*info->interp, "/lib6");
}

TEST_F(MalformedTest, ReadErrorsPassThrough) {
  class FailingReader : public ImageReader {
   public:
    ErrnoOr<size_t> ReadAt(uint64_t, void*, size_t) override {
      return Errno(EIO);
    }
    uint64_t Size() override { return 1 << 20; }
  } r;
  ErrnoOr<ElfInfo> info = ParseElf(r, ElfRole::kExecutable);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().value(), EIO);
}

// Random byte mutations of the ELF header, program headers and interpreter
// path: the result is a valid ElfInfo or ENOEXEC, never a crash.
TEST_F(MalformedTest, RandomMutationsNeverCrash) {
  const std::vector<uint8_t> orig = bytes_;
  const size_t region = eh().e_phoff + eh().e_phnum * sizeof(Elf64_Phdr) + 64;
  std::mt19937_64 rng(0x10ade5);
  int ok = 0, enoexec = 0;
  for (int iter = 0; iter < 20000; iter++) {
    bytes_ = orig;
    int n = 1 + rng() % 6;
    for (int k = 0; k < n; k++) {
      size_t at = rng() % region;
      switch (rng() % 4) {
        case 0: bytes_[at] = rng(); break;
        case 1: bytes_[at] ^= 1 << (rng() % 8); break;
        case 2: bytes_[at] = 0; break;
        default: bytes_[at] = 0xff; break;
      }
    }
    if (rng() % 16 == 0) bytes_.resize(rng() % bytes_.size());
    MemoryImageReader r(bytes_);
    ErrnoOr<ElfInfo> info = ParseElf(r, ElfRole::kExecutable);
    if (!info.ok()) {
      ASSERT_EQ(info.error().value(), ENOEXEC) << "iteration " << iter;
      enoexec++;
      continue;
    }
    ok++;
    // Invariants of an accepted image.
    uint64_t prev = 0;
    for (const ElfSegment& s : info->segments) {
      ASSERT_LE(s.filesz, s.memsz);
      ASSERT_GE(s.vaddr, prev);
      ASSERT_LE(PageUp(s.vaddr + s.memsz), kDefaultTaskSize);
      ASSERT_LE(s.offset + s.filesz, bytes_.size());
      prev = s.vaddr + s.memsz;
    }
    ErrnoOr<uint64_t> bias =
        ChooseLoadBias(*info, ElfRole::kExecutable, BiasPolicy());
    if (bias.ok()) {
      ErrnoOr<LoadPlan> plan = MakeLoadPlan(*info, *bias, nullptr, 0);
      if (plan.ok()) {
        for (const MapOp& op : plan->ops) {
          ASSERT_LE(op.addr + op.len, kDefaultTaskSize);
          ASSERT_GT(op.len, 0u);
        }
      }
    }
  }
  // The loop exercised both outcomes.
  EXPECT_GT(ok, 100);
  EXPECT_GT(enoexec, 100);
}

}  // namespace
}  // namespace sentry::loader
