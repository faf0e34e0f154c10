// tmpfs and path resolution without a kernel: a MountNamespace over tmpfs
// and a Resolver with chosen credentials.
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>

#include <string>

#include "gtest/gtest.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/path.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::vfs {
namespace {

class VfsTest : public ::testing::Test {
 protected:
  VfsTest() : ns_(NewTmpfs(0755, {0, 0}), 0) {
    root_ = {ns_.root_mount(), ns_.root_dentry()};
    root_creds_ = kernel::Credentials::ForUser(0, 0);
    user_creds_ = kernel::Credentials::ForUser(1000, 1000);
  }
  Resolver R(const kernel::Credentials* c = nullptr) const {
    return Resolver{root_, root_, c ? c : &root_creds_};
  }
  int Err(const ErrnoOr<VirtualDentry>& r) const { return r.ok() ? 0 : r.error().value(); }
  Inode& Dir(const std::string& p) { return R().Resolve(p)->inode(); }

  MountNamespace ns_;
  VirtualDentry root_;
  kernel::Credentials root_creds_, user_creds_;
};

TEST_F(VfsTest, TmpfsBasics) {
  Inode& root = root_.inode();
  ASSERT_TRUE(root.Mkdir("d", 0755, {}).ok());
  EXPECT_EQ(root.Stat().nlink, 3u);
  EXPECT_EQ(root.Mkdir("d", 0755, {}).error().value(), EEXIST);
  auto f = root.Create("f", 0644, {1, 2});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->Stat().uid, 1u);
  EXPECT_EQ(*(*f)->WriteAt("hello", 5, 3), 5u);
  EXPECT_EQ((*f)->Stat().size, 8);
  char buf[16] = {};
  EXPECT_EQ(*(*f)->ReadAt(buf, sizeof(buf), 0), 8u);
  EXPECT_EQ(std::string(buf, 8), std::string("\0\0\0hello", 8));
  EXPECT_EQ((*f)->Lookup("x").error().value(), ENOTDIR);
  EXPECT_EQ((*f)->ReadLink().error().value(), EINVAL);
  EXPECT_EQ(root.ReadAt(buf, 1, 0).error().value(), EISDIR);
  ASSERT_TRUE(root.Link("g", *f).ok());
  EXPECT_EQ((*f)->Stat().nlink, 2u);
  EXPECT_EQ(root.Unlink("d").error().value(), EISDIR);
  EXPECT_EQ(root.Rmdir("f").error().value(), ENOTDIR);
  ASSERT_TRUE(root.Unlink("g").ok());
  EXPECT_EQ((*f)->Stat().nlink, 1u);
  auto d = root.Lookup("d");
  ASSERT_TRUE((*d)->Create("x", 0600, {}).ok());
  EXPECT_EQ(root.Rmdir("d").error().value(), ENOTEMPTY);
  auto entries = (*d)->ReadDir();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].name, "x");
}

TEST_F(VfsTest, TmpfsRename) {
  Inode& root = root_.inode();
  ASSERT_TRUE(root.Mkdir("a", 0755, {}).ok());
  ASSERT_TRUE(root.Mkdir("b", 0755, {}).ok());
  ASSERT_TRUE(root.Create("f", 0644, {}).ok());
  EXPECT_EQ(root.Rename("f", root, "a", 0).error().value(), EISDIR);
  EXPECT_EQ(root.Rename("a", root, "f", 0).error().value(), ENOTDIR);
  EXPECT_EQ(root.Rename("f", root, "a", RENAME_NOREPLACE).error().value(), EEXIST);
  EXPECT_EQ(root.Rename("nope", root, "x", 0).error().value(), ENOENT);
  auto a = *root.Lookup("a");
  ASSERT_TRUE(root.Rename("b", *a, "b2", 0).ok());
  EXPECT_EQ(root.Stat().nlink, 3u);
  EXPECT_EQ(a->Stat().nlink, 3u);
  ASSERT_TRUE(root.Rename("f", root, "a", RENAME_EXCHANGE).ok());
  EXPECT_TRUE((*root.Lookup("f"))->IsDir());
  EXPECT_FALSE((*root.Lookup("a"))->IsDir());
  // A directory replaces an empty one.
  ASSERT_TRUE(root.Mkdir("e", 0755, {}).ok());
  auto f = *root.Lookup("f");
  ASSERT_TRUE(root.Rename("f", root, "e", 0).ok());
  EXPECT_EQ(root.Lookup("f").error().value(), ENOENT);
}

TEST_F(VfsTest, ResolveBasics) {
  Inode& root = root_.inode();
  ASSERT_TRUE(root.Mkdir("d", 0755, {}).ok());
  ASSERT_TRUE((*root.Lookup("d"))->Create("f", 0644, {}).ok());
  ASSERT_TRUE(root.Symlink("l", "d/f", {}).ok());
  ASSERT_TRUE(root.Symlink("ld", "/d", {}).ok());
  ASSERT_TRUE(root.Symlink("loop", "loop", {}).ok());
  ASSERT_TRUE(root.Symlink("dangling", "nowhere", {}).ok());
  EXPECT_EQ(Err(R().Resolve("/d/f")), 0);
  EXPECT_EQ(Err(R().Resolve("d/./f")), 0);
  EXPECT_EQ(Err(R().Resolve("/../../d/../d/f")), 0);
  EXPECT_EQ(Err(R().Resolve("")), ENOENT);
  EXPECT_EQ(Err(R().Resolve("/d/nope")), ENOENT);
  EXPECT_EQ(Err(R().Resolve("/d/f/x")), ENOTDIR);
  EXPECT_EQ(Err(R().Resolve("/d/f/")), ENOTDIR);
  EXPECT_EQ(Err(R().Resolve("/ld/f")), 0);
  EXPECT_EQ(Err(R().Resolve("/ld/")), 0);
  EXPECT_TRUE(R().Resolve("/ld")->inode().IsDir());
  EXPECT_FALSE(R().Resolve("/ld", {.follow_final = false})->inode().IsDir());
  EXPECT_EQ(R().Resolve("/l")->dentry, R().Resolve("/d/f")->dentry);
  EXPECT_EQ(Err(R().Resolve("/loop")), ELOOP);
  EXPECT_EQ(Err(R().Resolve("/loop", {.follow_final = false})), 0);
  EXPECT_EQ(Err(R().Resolve("/dangling")), ENOENT);
  EXPECT_EQ(Err(R().Resolve("/ld/f", {.no_symlinks = true})), ELOOP);
  EXPECT_EQ(Err(R().Resolve(std::string(NAME_MAX + 1, 'a'))), ENAMETOOLONG);
  EXPECT_EQ(Err(R().Resolve(std::string(NAME_MAX, 'a'))), ENOENT);
  std::string longp;
  while (longp.size() < PATH_MAX) longp += "/d";
  EXPECT_EQ(Err(R().Resolve(longp)), ENAMETOOLONG);
  // A chain of 40 links resolves; 41 is ELOOP.
  for (int i = 0; i < 41; ++i) {
    ASSERT_TRUE(root.Symlink("c" + std::to_string(i + 1), "c" + std::to_string(i), {}).ok());
  }
  ASSERT_TRUE(root.Create("c0", 0644, {}).ok());
  EXPECT_EQ(Err(R().Resolve("/c40")), 0);
  EXPECT_EQ(Err(R().Resolve("/c41")), ELOOP);
}

TEST_F(VfsTest, ResolveParent) {
  ASSERT_TRUE(root_.inode().Mkdir("d", 0755, {}).ok());
  auto p = R().ResolveParent("/d/new/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "new");
  EXPECT_TRUE(p->trailing_slash);
  EXPECT_EQ(p->dir.dentry, R().Resolve("/d")->dentry);
  p = R().ResolveParent("x");
  EXPECT_EQ(p->dir, root_);
  EXPECT_EQ(R().ResolveParent("/").value().name, "");
  EXPECT_EQ(R().ResolveParent("/nope/x").error().value(), ENOENT);
}

TEST_F(VfsTest, SearchPermission) {
  ASSERT_TRUE(root_.inode().Mkdir("priv", 0700, {}).ok());
  ASSERT_TRUE((*root_.inode().Lookup("priv"))->Create("f", 0644, {}).ok());
  EXPECT_EQ(Err(R(&user_creds_).Resolve("/priv/f")), EACCES);
  EXPECT_EQ(Err(R(&root_creds_).Resolve("/priv/f")), 0);
  kernel::Credentials c = user_creds_;
  c.groups = {0};
  ASSERT_TRUE(Dir("/priv").SetAttr({.mask = SetAttrRequest::kMode, .mode = 0710}).ok());
  EXPECT_EQ(Err(R(&c).Resolve("/priv/f")), 0);
  EXPECT_EQ(Err(R(&user_creds_).Resolve("/priv/f")), EACCES);
  InodeAttr a = R().Resolve("/priv/f")->inode().Stat();
  EXPECT_TRUE(CheckPermission(user_creds_, a, kMayRead).ok());
  EXPECT_EQ(CheckPermission(user_creds_, a, kMayWrite).error().value(), EACCES);
  EXPECT_EQ(CheckPermission(root_creds_, a, kMayExec).error().value(), EACCES);
  EXPECT_TRUE(CheckPermission(root_creds_, a, kMayWrite).ok());
}

TEST_F(VfsTest, MountsAndDotDot) {
  ASSERT_TRUE(root_.inode().Mkdir("mnt", 0755, {}).ok());
  auto mp = R().Resolve("/mnt");
  auto sub = NewTmpfs(01777, {});
  ASSERT_TRUE(sub->Mkdir("inner", 0755, {}).ok());
  auto m = ns_.root_mount()->AddChild(mp->dentry, Dentry::NewRoot(sub), 0);
  auto inner = R().Resolve("/mnt/inner");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->mount, m);
  EXPECT_EQ(R().Resolve("/mnt")->inode().Stat().mode & 07777, 01777u);
  auto back = R().Resolve("/mnt/inner/../..");
  EXPECT_EQ(*back, root_);
  EXPECT_EQ(*PathOf(root_, *inner), "/mnt/inner");
  // ".." stops at a chroot-like root.
  Resolver jail{*R().Resolve("/mnt"), *inner, &root_creds_};
  EXPECT_EQ(jail.Resolve("../../..")->dentry, m->root());
  EXPECT_EQ(*PathOf(jail.root, *inner), "/inner");
}

TEST_F(VfsTest, DentriesFollowRenameAndUnlink) {
  ASSERT_TRUE(root_.inode().Mkdir("a", 0755, {}).ok());
  auto a = *R().Resolve("/a");
  ASSERT_TRUE(root_.inode().Rename("a", root_.inode(), "b", 0).ok());
  root_.dentry->Renamed("a", *root_.dentry, "b", false);
  EXPECT_EQ(*PathOf(root_, a), "/b");
  EXPECT_EQ(R().Resolve("/b")->dentry, a.dentry);
  ASSERT_TRUE(root_.inode().Rmdir("b").ok());
  root_.dentry->Removed("b");
  EXPECT_EQ(PathOf(root_, a).error().value(), ENOENT);
}

TEST_F(VfsTest, FileOffsetsAndDirectoryCursor) {
  ASSERT_TRUE(root_.inode().Create("f", 0644, {}).ok());
  VfsFile f(*R().Resolve("/f"), O_RDWR | O_APPEND);
  EXPECT_EQ(*f.Write("abc", 3), 3u);
  EXPECT_EQ(*f.Seek(0, SEEK_SET), 0);
  EXPECT_EQ(*f.Write("de", 2), 2u);  // O_APPEND: at the end
  char buf[8];
  EXPECT_EQ(*f.PRead(buf, 8, 0), 5u);
  EXPECT_EQ(std::string(buf, 5), "abcde");
  EXPECT_EQ(*f.Seek(-1, SEEK_END), 4);
  EXPECT_EQ(f.Seek(-10, SEEK_CUR).error().value(), EINVAL);
  VfsFile d(root_, O_RDONLY | O_DIRECTORY);
  EXPECT_EQ(d.Read(buf, 1).error().value(), EISDIR);
  std::vector<std::string> names;
  auto collect = [&](const DirEntry& e, int64_t) {
    if (names.size() == 2) return false;  // no room
    names.push_back(e.name);
    return true;
  };
  ASSERT_TRUE(d.ReadDir(collect).ok());
  ASSERT_TRUE(d.ReadDir([&](const DirEntry& e, int64_t) { names.push_back(e.name); return true; }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "f"}));
}

}  // namespace
}  // namespace sentry::vfs
