// The memory overlay over a read-only goferfs lower layer (an in-process
// gofer serving a temp dir read-only, as at boot).
#include "sentry/vfs/overlay.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gofer/test_util.h"
#include "gtest/gtest.h"
#include "sentry/vfs/goferfs.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::vfs {
namespace {

using gofer::testing::ReadFile;
using gofer::testing::Session;
using gofer::testing::TempDir;
using gofer::testing::WriteFile;

int Err(const ErrnoResult& r) { return r.ok() ? 0 : r.error().value(); }
template <class T>
int Err(const ErrnoOr<T>& r) {
  return r.ok() ? 0 : r.error().value();
}

std::string ReadAll(Inode& i) {
  std::string out(1 << 16, '\0');
  auto n = i.ReadAt(out.data(), out.size(), 0);
  EXPECT_TRUE(n.ok()) << Err(n);
  out.resize(n.ok() ? *n : 0);
  return out;
}

std::vector<std::string> Names(Inode& dir) {
  auto es = dir.ReadDir();
  EXPECT_TRUE(es.ok()) << Err(es);
  std::vector<std::string> out;
  if (es.ok()) {
    for (const auto& e : *es) out.push_back(e.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<Inode> Get(Inode& dir, const std::string& name) {
  auto r = dir.Lookup(name);
  EXPECT_TRUE(r.ok()) << name << ": " << Err(r);
  return r.ok() ? *r : nullptr;
}

bool HostExists(const std::string& p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}

class OverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(dir_.Sub("d").c_str(), 0755), 0);
    ASSERT_EQ(mkdir(dir_.Sub("d/sub").c_str(), 0700), 0);
    WriteFile(dir_.Sub("f"), "hello");
    WriteFile(dir_.Sub("d/g"), "inner");
    WriteFile(dir_.Sub("x"), "abc");
    ASSERT_EQ(chown(dir_.Sub("x").c_str(), 12, 34), 0);
    ASSERT_EQ(chmod(dir_.Sub("x").c_str(), 04751), 0);
    ASSERT_EQ(symlink("f", dir_.Sub("l").c_str()), 0);
    session_ = Session::InProcess(dir_.path(), {.read_only = true}, {.fd_donation = true});
    ASSERT_NE(session_, nullptr);
    std::shared_ptr<fs9p::Client> c(&session_->client(), [](fs9p::Client*) {});
    auto lower = NewGoferfs(c);
    ASSERT_TRUE(lower.ok());
    root_ = NewMemoryOverlay(*lower);
  }
  void TearDown() override {
    root_.reset();
    session_.reset();
  }

  TempDir dir_;
  std::unique_ptr<Session> session_;
  std::shared_ptr<Inode> root_;
  Owner o_{0, 0};
};

TEST_F(OverlayTest, ReadsTheLowerLayer) {
  EXPECT_EQ(Names(*root_), (std::vector<std::string>{"d", "f", "l", "x"}));
  auto f = Get(*root_, "f");
  EXPECT_EQ(ReadAll(*f), "hello");
  EXPECT_EQ(Get(*root_, "f"), f);
  EXPECT_EQ(*Get(*root_, "l")->ReadLink(), "f");
  EXPECT_EQ(Get(*root_, "x")->Stat().mode, S_IFREG | 04751u);
  EXPECT_EQ(Err(root_->Lookup("missing")), ENOENT);
  EXPECT_EQ(root_->Stat().dev, f->Stat().dev);
  EXPECT_EQ(root_->Stat().nlink, 1u) << "merged directory";
}

TEST_F(OverlayTest, WritesStayInMemory) {
  auto f = Get(*root_, "f");
  ASSERT_TRUE(f->PrepareOpen(O_WRONLY).ok());
  ASSERT_TRUE(f->WriteAt("J", 1, 0).ok());
  EXPECT_EQ(ReadAll(*f), "Jello");
  EXPECT_EQ(ReadAll(*Get(*root_, "f")), "Jello");
  EXPECT_EQ(ReadFile(dir_.Sub("f")), "hello");
  SetAttrRequest t;
  t.mask = SetAttrRequest::kSize;
  t.size = 0;
  auto g = Get(*Get(*root_, "d"), "g");
  ASSERT_TRUE(g->SetAttr(t).ok());
  EXPECT_EQ(g->Stat().size, 0);
  EXPECT_EQ(ReadFile(dir_.Sub("d/g")), "inner");
}

TEST_F(OverlayTest, CopyUpPreservesContentModeOwnerTimesAndIno) {
  auto x = Get(*root_, "x");
  const InodeAttr before = x->Stat();
  ASSERT_TRUE(x->PrepareOpen(O_RDWR).ok());  // copies up
  const InodeAttr after = x->Stat();
  EXPECT_EQ(after.mode, before.mode) << "set-ID bits too";
  EXPECT_EQ(after.uid, 12u);
  EXPECT_EQ(after.gid, 34u);
  EXPECT_EQ(after.ino, before.ino);
  EXPECT_EQ(after.mtime.tv_sec, before.mtime.tv_sec);
  EXPECT_EQ(after.mtime.tv_nsec, before.mtime.tv_nsec);
  ASSERT_TRUE(x->WriteAt("def", 3, 3).ok());
  EXPECT_EQ(ReadAll(*x), "abcdef");
  EXPECT_EQ(x->Stat().size, 6);
  EXPECT_EQ(ReadFile(dir_.Sub("x")), "abc");
}

TEST_F(OverlayTest, CreateInLowerDirCopiesUpParentsAndMerges) {
  auto d = Get(*root_, "d");
  auto sub = Get(*d, "sub");
  auto n = sub->Create("new", 0640, o_);
  ASSERT_TRUE(n.ok()) << Err(n);
  ASSERT_TRUE((*n)->WriteAt("data", 4, 0).ok());
  EXPECT_EQ(Names(*sub), (std::vector<std::string>{"new"}));
  EXPECT_EQ(sub->Stat().mode, S_IFDIR | 0700u) << "copied-up dir keeps its mode";
  EXPECT_EQ(Names(*d), (std::vector<std::string>{"g", "sub"}));
  EXPECT_EQ(ReadAll(*Get(*d, "g")), "inner");
  ASSERT_TRUE(root_->Mkdir("top", 0755, o_).ok());
  EXPECT_EQ(Names(*root_), (std::vector<std::string>{"d", "f", "l", "top", "x"}));
  EXPECT_FALSE(HostExists(dir_.Sub("d/sub/new")));
  EXPECT_FALSE(HostExists(dir_.Sub("top")));
  EXPECT_EQ(Err(root_->Create("f", 0644, o_)), EEXIST);
  EXPECT_EQ(Err(root_->Mkdir("d", 0755, o_)), EEXIST);
  EXPECT_EQ(Err(root_->Symlink("l", "y", o_)), EEXIST);
  auto s = root_->Symlink("s", "f", o_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->ReadLink(), "f");
}

TEST_F(OverlayTest, UnlinkLeavesAWhiteout) {
  ASSERT_TRUE(root_->Unlink("f").ok());
  EXPECT_EQ(Err(root_->Lookup("f")), ENOENT);
  EXPECT_EQ(Names(*root_), (std::vector<std::string>{"d", "l", "x"}));
  EXPECT_EQ(ReadFile(dir_.Sub("f")), "hello");
  EXPECT_EQ(Err(root_->Unlink("f")), ENOENT);
  EXPECT_EQ(Err(root_->Unlink("d")), EISDIR);
  // A new file over the whiteout starts empty.
  auto f = root_->Create("f", 0644, o_);
  ASSERT_TRUE(f.ok()) << Err(f);
  EXPECT_EQ(ReadAll(**f), "");
  EXPECT_EQ(Names(*root_), (std::vector<std::string>{"d", "f", "l", "x"}));
  ASSERT_TRUE(root_->Unlink("f").ok());
  EXPECT_EQ(Err(root_->Lookup("f")), ENOENT) << "the lower file stays hidden";
  // A copied-up file goes from both layers.
  auto x = Get(*root_, "x");
  ASSERT_TRUE(x->WriteAt("!", 1, 0).ok());
  ASSERT_TRUE(root_->Unlink("x").ok());
  EXPECT_EQ(Err(root_->Lookup("x")), ENOENT);
  EXPECT_TRUE(HostExists(dir_.Sub("x")));
}

TEST_F(OverlayTest, RmdirAndOpaqueDirectories) {
  EXPECT_EQ(Err(root_->Rmdir("d")), ENOTEMPTY);
  EXPECT_EQ(Err(root_->Rmdir("f")), ENOTDIR);
  auto d = Get(*root_, "d");
  ASSERT_TRUE(d->Unlink("g").ok());
  EXPECT_EQ(Err(root_->Rmdir("d")), ENOTEMPTY);
  ASSERT_TRUE(d->Rmdir("sub").ok());
  EXPECT_TRUE(Names(*d).empty());
  ASSERT_TRUE(root_->Rmdir("d").ok());
  EXPECT_EQ(Err(root_->Lookup("d")), ENOENT);
  EXPECT_EQ(Err(d->Create("z", 0644, o_)), ENOENT) << "a removed dir takes no new names";
  auto d2 = root_->Mkdir("d", 0711, o_);
  ASSERT_TRUE(d2.ok()) << Err(d2);
  EXPECT_TRUE(Names(**d2).empty()) << "opaque: the lower d/g is not shown";
  EXPECT_EQ(Err((*d2)->Lookup("g")), ENOENT);
  EXPECT_TRUE(HostExists(dir_.Sub("d/g")));
  EXPECT_EQ((*d2)->Stat().mode, S_IFDIR | 0711u);
}

TEST_F(OverlayTest, Rename) {
  // A lower file is copied up and moved; its old name is whited out.
  auto f = Get(*root_, "f");
  auto d = Get(*root_, "d");
  ASSERT_TRUE(root_->Rename("f", *d, "f2", 0).ok());
  EXPECT_EQ(Err(root_->Lookup("f")), ENOENT);
  EXPECT_EQ(Get(*d, "f2"), f);
  EXPECT_EQ(ReadAll(*f), "hello");
  EXPECT_EQ(Names(*d), (std::vector<std::string>{"f2", "g", "sub"}));
  EXPECT_TRUE(HostExists(dir_.Sub("f")));
  EXPECT_FALSE(HostExists(dir_.Sub("d/f2")));
  // Over a lower file.
  ASSERT_TRUE(d->Rename("f2", *root_, "x", 0).ok());
  EXPECT_EQ(ReadAll(*Get(*root_, "x")), "hello");
  EXPECT_EQ(Err(root_->Rename("x", *root_, "l", RENAME_NOREPLACE)), EEXIST);
  // Directories with lower content: EXDEV; new ones move.
  EXPECT_EQ(Err(root_->Rename("d", *root_, "d2", 0)), EXDEV);
  ASSERT_TRUE(root_->Mkdir("m", 0755, o_).ok());
  ASSERT_TRUE(Get(*root_, "m")->Create("in", 0644, o_).ok());
  ASSERT_TRUE(root_->Rename("m", *d, "m2", 0).ok());
  EXPECT_TRUE(Get(*Get(*d, "m2"), "in") != nullptr);
  EXPECT_EQ(Err(root_->Rename("x", *d, "sub", 0)), EISDIR);
  EXPECT_EQ(Err(d->Rename("m2", *root_, "x", 0)), ENOTDIR);
  // Exchange of two files.
  ASSERT_TRUE(root_->Rename("x", *root_, "l", RENAME_EXCHANGE).ok());
  EXPECT_EQ(ReadAll(*Get(*root_, "l")), "hello");
  EXPECT_TRUE(S_ISLNK(Get(*root_, "x")->Stat().mode));
}

TEST_F(OverlayTest, HardLinkCopiesUp) {
  auto f = Get(*root_, "f");
  ASSERT_TRUE(root_->Link("hard", f).ok());
  EXPECT_EQ(Get(*root_, "hard"), f);
  ASSERT_TRUE(f->WriteAt("J", 1, 0).ok());
  EXPECT_EQ(ReadAll(*Get(*root_, "hard")), "Jello");
  EXPECT_EQ(f->Stat().nlink, 2u);
  EXPECT_FALSE(HostExists(dir_.Sub("hard")));
  auto other = NewTmpfs(0755, o_);
  auto t = other->Create("t", 0644, o_);
  EXPECT_EQ(Err(root_->Link("cross", *t)), EXDEV);
}

// Threads racing to copy up the same lower file and to create in the same
// lower directory: one copy-up, every write and file kept.
TEST_F(OverlayTest, ConcurrentCopyUpAndCreate) {
  std::string big(100000, 'x');
  WriteFile(dir_.Sub("d/big"), big);
  auto d = Get(*root_, "d");
  auto f = Get(*d, "big");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const char c = static_cast<char>('a' + t);
      if (!f->WriteAt(&c, 1, t * 1000).ok()) failures++;
      if (!d->Create("n" + std::to_string(t), 0644, o_).ok()) failures++;
      if (!Get(*d, "g")) failures++;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::string got(big.size(), '\0');
  ASSERT_EQ(*f->ReadAt(got.data(), got.size(), 0), big.size());
  for (int t = 0; t < 8; ++t) {
    big[t * 1000] = static_cast<char>('a' + t);
  }
  EXPECT_EQ(got, big);
  EXPECT_EQ(Names(*d).size(), 11u);
  EXPECT_EQ(ReadFile(dir_.Sub("d/big")), std::string(100000, 'x'));
}

}  // namespace
}  // namespace sentry::vfs
