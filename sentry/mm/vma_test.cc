// vma_test.cc: VmaSet splitting, merging, removal and gap search.
#include "sentry/mm/vma.h"

#include "gtest/gtest.h"
#include "sentry/mm/memory_file.h"

namespace sentry::mm {
namespace {

Vma Anon(uint64_t start, uint64_t end, int prot = PROT_READ | PROT_WRITE) {
  Vma v;
  v.start = start;
  v.end = end;
  v.prot = prot;
  return v;
}

std::vector<std::pair<uint64_t, uint64_t>> Ranges(const VmaSet& s) {
  std::vector<std::pair<uint64_t, uint64_t>> r;
  for (const auto& [start, v] : s) r.emplace_back(v.start, v.end);
  return r;
}

using R = std::vector<std::pair<uint64_t, uint64_t>>;

TEST(VmaSetTest, InsertMergesCompatibleNeighboursOnly) {
  VmaSet s;
  s.Insert(Anon(0x1000, 0x3000));
  s.Insert(Anon(0x5000, 0x6000));
  s.Insert(Anon(0x3000, 0x5000));  // bridges both
  EXPECT_EQ(Ranges(s), (R{{0x1000, 0x6000}}));
  s.Insert(Anon(0x6000, 0x7000, PROT_READ));  // different prot: separate
  EXPECT_EQ(Ranges(s), (R{{0x1000, 0x6000}, {0x6000, 0x7000}}));
  Vma named = Anon(0x7000, 0x8000, PROT_READ);
  named.name = "[heap]";
  s.Insert(named);
  EXPECT_EQ(s.size(), 3u);
}

TEST(VmaSetTest, FindSplitRemove) {
  VmaSet s;
  s.Insert(Anon(0x10000, 0x20000));
  EXPECT_EQ(s.Find(0xffff), nullptr);
  ASSERT_NE(s.Find(0x10000), nullptr);
  ASSERT_NE(s.Find(0x1ffff), nullptr);
  EXPECT_EQ(s.Find(0x20000), nullptr);
  s.SplitAt(0x14000);
  EXPECT_EQ(Ranges(s), (R{{0x10000, 0x14000}, {0x14000, 0x20000}}));
  std::vector<Vma> removed = s.Remove(0x12000, 0x18000);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].start, 0x12000u);
  EXPECT_EQ(removed[1].end, 0x18000u);
  EXPECT_EQ(Ranges(s), (R{{0x10000, 0x12000}, {0x18000, 0x20000}}));
  EXPECT_TRUE(s.Overlaps(0x11000, 0x13000));
  EXPECT_FALSE(s.Overlaps(0x12000, 0x18000));
  EXPECT_TRUE(s.Covers(0x10000, 0x12000));
  EXPECT_FALSE(s.Covers(0x10000, 0x19000));
}

TEST(VmaSetTest, SplitKeepsFileOffsetsAndMergeNeedsContiguousOffsets) {
  struct NullFile : MappableFile {
    ErrnoResult ReadPage(uint64_t, uint8_t*) override { return {}; }
    ErrnoOr<uint64_t> SharedPage(uint64_t) override { return Errno(EIO); }
    std::string Name() const override { return "f"; }
  };
  auto file = std::make_shared<NullFile>();
  VmaSet s;
  Vma v = Anon(0x10000, 0x14000);
  v.file = file;
  v.flags = MAP_PRIVATE;
  v.file_offset = 0x3000;
  s.Insert(v);
  s.SplitAt(0x12000);
  ASSERT_NE(s.Find(0x12000), nullptr);
  EXPECT_EQ(s.Find(0x12000)->file_offset, 0x5000u);
  s.MergeAround(0x10000, 0x14000);
  EXPECT_EQ(s.size(), 1u);
  Vma w = v;
  w.start = 0x14000;
  w.end = 0x15000;
  w.file_offset = 0x9000;  // not contiguous
  s.Insert(w);
  EXPECT_EQ(s.size(), 2u);
}

TEST(VmaSetTest, GapSearch) {
  VmaSet s;
  s.Insert(Anon(0x10000, 0x20000));
  s.Insert(Anon(0x30000, 0x40000, PROT_READ));
  // Top-down below 0x50000: the gap [0x40000, 0x50000) first.
  EXPECT_EQ(s.FindGapTopDown(0x10000, 0x1000, 0x50000), 0x40000u);
  EXPECT_EQ(s.FindGapTopDown(0x8000, 0x1000, 0x40000), 0x28000u);
  EXPECT_EQ(s.FindGapTopDown(0x10000, 0x1000, 0x40000), 0x20000u);
  EXPECT_EQ(s.FindGapTopDown(0x11000, 0x1000, 0x40000), std::nullopt);
  EXPECT_EQ(s.FindGapTopDown(0x4000, 0x1000, 0x35000), 0x2c000u);  // hi inside a Vma
  EXPECT_EQ(s.FindGapTopDown(0x10000, 0x1000, 0x15000), std::nullopt);
  EXPECT_EQ(s.FindGapTopDown(0xf000, 0x1000, 0x15000), 0x1000u);
  EXPECT_EQ(s.FindGapBottomUp(0x10000, 0x1000, 0x100000), 0x20000u);
  EXPECT_EQ(s.FindGapBottomUp(0x11000, 0x1000, 0x100000), 0x40000u);
  EXPECT_EQ(s.FindGapBottomUp(0x1000, 0x1000, 0x100000), 0x1000u);
  EXPECT_EQ(s.FindGapBottomUp(0x11000, 0x1000, 0x50000), std::nullopt);
}

}  // namespace
}  // namespace sentry::mm
