// The synthetic-object building blocks without a task: directories with
// fixed and generated children, fixed links, snapshot reads and seeks, and
// the anonymous place of a non-VFS file.
#include "sentry/vfs/synthetic.h"

#include <dirent.h>

#include "gtest/gtest.h"
#include "sentry/kernel/pipe.h"

namespace sentry::vfs {
namespace {

TEST(Synthetic, DirFixedAndGeneratedChildren) {
  auto fs = std::make_shared<SyntheticFs>();
  auto dir = std::make_shared<SyntheticDir>(fs, 0555);
  auto sub = std::make_shared<SyntheticDir>(fs, 0755);
  dir->Add("sub", sub);
  auto gen = std::make_shared<SyntheticSymlink>(fs, std::string("target"));
  dir->SetDynamic(
      [gen] { return std::vector<DirEntry>{{gen->ino(), DT_LNK, "gen"}}; },
      [gen](const std::string& name) -> ErrnoOr<std::shared_ptr<Inode>> {
        if (name == "gen") return std::shared_ptr<Inode>(gen);
        return Errno(ENOENT);
      });
  auto entries = dir->ReadDir();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].name, "sub");
  EXPECT_EQ((*entries)[0].type, DT_DIR);
  EXPECT_EQ((*entries)[1].name, "gen");
  EXPECT_EQ(dir->Lookup("sub").value().get(), sub.get());
  EXPECT_EQ(dir->Lookup("gen").value().get(), gen.get());
  EXPECT_EQ(dir->Lookup("nope").error().value(), ENOENT);
  const InodeAttr a = dir->Stat();
  EXPECT_EQ(a.mode, S_IFDIR | 0555u);
  EXPECT_EQ(a.nlink, 3u);  // ".", "..", and sub's ".."
  EXPECT_EQ(a.dev, fs->dev);
  EXPECT_NE(a.ino, sub->Stat().ino);
  EXPECT_EQ(gen->ReadLink().value(), "target");
  EXPECT_EQ(dir->Create("x", 0644, {}).error().value(), ENOTDIR);
}

TEST(Synthetic, SnapshotFileReadsAndSeeks) {
  auto fs = std::make_shared<SyntheticFs>();
  auto root = Dentry::NewRoot(std::make_shared<SyntheticDir>(fs, 0555));
  auto mount = std::make_shared<Mount>(root, nullptr, nullptr, 0);
  SnapshotFile f({mount, root}, O_RDONLY, "hello world", nullptr);
  char buf[16] = {};
  EXPECT_EQ(f.Read(buf, 5).value(), 5u);
  EXPECT_STREQ(buf, "hello");
  EXPECT_EQ(f.Seek(-5, SEEK_END).value(), 6);
  EXPECT_EQ(f.Read(buf, sizeof(buf)).value(), 5u);
  EXPECT_EQ(f.Read(buf, sizeof(buf)).value(), 0u);
  EXPECT_EQ(f.PRead(buf, 3, 1).value(), 3u);
  EXPECT_EQ(std::string(buf, 3), "ell");
  EXPECT_EQ(f.Seek(-1, SEEK_SET).error().value(), EINVAL);
  EXPECT_EQ(f.Write("x", 1).error().value(), EINVAL);

  std::string got;
  SnapshotFile w({mount, root}, O_WRONLY, "", [&](const std::string& d, int64_t) -> ErrnoOr<size_t> {
    got += d;
    return d.size();
  });
  EXPECT_EQ(w.Write("abc", 3).value(), 3u);
  EXPECT_EQ(got, "abc");
}

TEST(Synthetic, AnonDentryStat) {
  auto [r, w] = kernel::Pipe::Create();
  std::shared_ptr<kernel::File> rf = r;
  VirtualDentry vd = AnonVirtualDentry(
      [rf](uint32_t) -> ErrnoOr<std::shared_ptr<kernel::File>> { return rf; }, S_IFIFO | 0600, 5, 6);
  const InodeAttr a = vd.inode().Stat();
  EXPECT_EQ(a.mode, S_IFIFO | 0600u);
  EXPECT_EQ(a.uid, 5u);
  EXPECT_EQ(a.gid, 6u);
  ASSERT_NE(vd.mount, nullptr);
}

}  // namespace
}  // namespace sentry::vfs
