// goferfs against an in-process gofer (FileServer) on a temp dir, with and
// without FD donation.
#include "sentry/vfs/goferfs.h"

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

namespace sentry::vfs {
namespace {

using gofer::testing::ReadFile;
using gofer::testing::Session;
using gofer::testing::TempDir;
using gofer::testing::WriteFile;

std::string ReadAll(Inode& i) {
  std::string out(1 << 20, '\0');
  auto n = i.ReadAt(out.data(), out.size(), 0);
  EXPECT_TRUE(n.ok());
  out.resize(n.ok() ? *n : 0);
  return out;
}

ErrnoResult Write(Inode& i, const std::string& s, int64_t off = 0) {
  auto n = i.WriteAt(s.data(), s.size(), off);
  if (!n.ok()) return n.error();
  EXPECT_EQ(*n, s.size());
  return {};
}

int Err(const ErrnoResult& r) { return r.ok() ? 0 : r.error().value(); }
template <class T>
int Err(const ErrnoOr<T>& r) {
  return r.ok() ? 0 : r.error().value();
}

std::shared_ptr<Inode> Get(Inode& dir, const std::string& name) {
  auto r = dir.Lookup(name);
  EXPECT_TRUE(r.ok()) << name << ": " << Err(r);
  return r.ok() ? *r : nullptr;
}

struct HostStat {
  struct stat st {};
  bool exists = false;
};
HostStat Host(const std::string& path) {
  HostStat h;
  h.exists = lstat(path.c_str(), &h.st) == 0;
  return h;
}

class GoferfsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(dir_.Sub("d").c_str(), 0755), 0);
    WriteFile(dir_.Sub("f"), "hello");
    WriteFile(dir_.Sub("d/g"), "inner");
    ASSERT_EQ(symlink("f", dir_.Sub("l").c_str()), 0);
    Connect(false, absl::Seconds(60));
  }
  void Connect(bool read_only, absl::Duration timeout, size_t cache_size = 1024) {
    root_.reset();
    session_ = Session::InProcess(dir_.path(), {.read_only = read_only},
                                  {.msize = 16384, .fd_donation = GetParam()});
    ASSERT_NE(session_, nullptr);
    ASSERT_EQ(session_->client().fd_donation(), GetParam());
    // The session owns the client and outlives root_.
    std::shared_ptr<fs9p::Client> c(&session_->client(), [](fs9p::Client*) {});
    auto r = NewGoferfs(c, {.lookup_timeout = timeout, .cache_size = cache_size});
    ASSERT_TRUE(r.ok()) << Err(r);
    root_ = *r;
  }
  void TearDown() override {
    root_.reset();
    session_.reset();
  }

  TempDir dir_;
  std::unique_ptr<Session> session_;
  std::shared_ptr<Inode> root_;
  Owner root_owner_{0, 0};
};

TEST_P(GoferfsTest, LookupAndStat) {
  auto f = Get(*root_, "f");
  ASSERT_NE(f, nullptr);
  InodeAttr a = f->Stat();
  EXPECT_TRUE(S_ISREG(a.mode));
  EXPECT_EQ(a.size, 5);
  EXPECT_EQ(a.nlink, 1u);
  EXPECT_EQ(Get(*root_, "f"), f) << "a cached name gives the same inode";
  EXPECT_NE(a.ino, Get(*root_, "d")->Stat().ino);
  EXPECT_EQ(a.dev, root_->Stat().dev);
  EXPECT_TRUE(root_->IsDir());
  EXPECT_EQ(Err(root_->Lookup("missing")), ENOENT);
  EXPECT_EQ(Err(f->Lookup("x")), ENOTDIR);
  auto g = Get(*Get(*root_, "d"), "g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(ReadAll(*g), "inner");
  auto l = Get(*root_, "l");
  EXPECT_TRUE(S_ISLNK(l->Stat().mode));
  EXPECT_EQ(*l->ReadLink(), "f");
  EXPECT_EQ(Err(f->ReadLink()), EINVAL);
}

TEST_P(GoferfsTest, ReadWrite) {
  auto f = Get(*root_, "f");
  ASSERT_TRUE(f->PrepareOpen(O_RDWR).ok());
  EXPECT_EQ(ReadAll(*f), "hello");
  char buf[3];
  auto n = f->ReadAt(buf, 3, 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "ell");
  n = f->ReadAt(buf, 3, 100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  ASSERT_TRUE(Write(*f, " world", 5).ok());
  EXPECT_EQ(ReadFile(dir_.Sub("f")), "hello world");
  EXPECT_EQ(f->Stat().size, 11);
  EXPECT_EQ(ReadAll(*f), "hello world");
  EXPECT_EQ(Err(root_->ReadAt(buf, 1, 0)), EISDIR);
  EXPECT_EQ(Err(f->ReadAt(buf, 1, -1)), EINVAL);
}

TEST_P(GoferfsTest, LargeDataCrossesManyMessages) {
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 23);
  auto c = root_->Create("big", 0644, root_owner_);
  ASSERT_TRUE(c.ok()) << Err(c);
  ASSERT_TRUE(Write(**c, data).ok());
  EXPECT_EQ(ReadFile(dir_.Sub("big")), data);
  EXPECT_EQ(ReadAll(**c), data);
}

TEST_P(GoferfsTest, CreateMkdirSymlinkLinkMknod) {
  auto n = root_->Create("n", 0640, root_owner_);
  ASSERT_TRUE(n.ok()) << Err(n);
  ASSERT_TRUE(Write(**n, "new data").ok());
  HostStat h = Host(dir_.Sub("n"));
  ASSERT_TRUE(h.exists);
  EXPECT_EQ(h.st.st_mode, S_IFREG | 0640);
  EXPECT_EQ(ReadFile(dir_.Sub("n")), "new data");
  EXPECT_EQ(Get(*root_, "n"), *n);
  EXPECT_EQ(Err(root_->Create("n", 0644, root_owner_)), EEXIST);

  auto sub = root_->Mkdir("sub", 0750, root_owner_);
  ASSERT_TRUE(sub.ok()) << Err(sub);
  EXPECT_TRUE((*sub)->IsDir());
  EXPECT_EQ(Host(dir_.Sub("sub")).st.st_mode, S_IFDIR | 0750);
  EXPECT_EQ(Err(root_->Mkdir("sub", 0755, root_owner_)), EEXIST);
  EXPECT_EQ(Err(root_->Mkdir("f", 0755, root_owner_)), EEXIST);
  auto inner = (*sub)->Create("x", 0600, root_owner_);
  ASSERT_TRUE(inner.ok());
  EXPECT_TRUE(Host(dir_.Sub("sub/x")).exists);

  auto s = root_->Symlink("s", "n", root_owner_);
  ASSERT_TRUE(s.ok()) << Err(s);
  char target[16] = {};
  ASSERT_EQ(readlink(dir_.Sub("s").c_str(), target, sizeof(target)), 1);
  EXPECT_EQ(*(*s)->ReadLink(), "n");

  ASSERT_TRUE(root_->Link("n2", *n).ok());
  EXPECT_EQ(Host(dir_.Sub("n")).st.st_nlink, 2u);
  EXPECT_EQ((*n)->Stat().nlink, 2u);
  EXPECT_EQ(Get(*root_, "n2"), *n);
  EXPECT_EQ(Err(root_->Link("n2", *n)), EEXIST);

  auto fifo = root_->Mknod("p", S_IFIFO | 0644, 0, root_owner_);
  ASSERT_TRUE(fifo.ok()) << Err(fifo);
  EXPECT_TRUE(S_ISFIFO(Host(dir_.Sub("p")).st.st_mode));
  EXPECT_TRUE(S_ISFIFO((*fifo)->Stat().mode));
  EXPECT_EQ(Err(root_->Mknod("c", S_IFCHR | 0644, 0x103, root_owner_)), EPERM);
}

TEST_P(GoferfsTest, NewFilesGetTheCallersOwner) {
  auto n = root_->Create("owned", 0644, {1234, 5678});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)->Stat().uid, 1234u);
  EXPECT_EQ((*n)->Stat().gid, 5678u);
  EXPECT_EQ(Host(dir_.Sub("owned")).st.st_uid, 1234u);
}

TEST_P(GoferfsTest, UnlinkRmdir) {
  auto f = Get(*root_, "f");
  EXPECT_EQ(Err(root_->Unlink("d")), EISDIR);
  EXPECT_EQ(Err(root_->Rmdir("f")), ENOTDIR);
  EXPECT_EQ(Err(root_->Rmdir("d")), ENOTEMPTY);
  EXPECT_EQ(Err(root_->Unlink("missing")), ENOENT);
  ASSERT_TRUE(root_->Unlink("f").ok());
  EXPECT_FALSE(Host(dir_.Sub("f")).exists);
  EXPECT_EQ(Err(root_->Lookup("f")), ENOENT);
  EXPECT_EQ(f->Stat().nlink, 0u);
  auto d = Get(*root_, "d");
  ASSERT_TRUE(d->Unlink("g").ok());
  ASSERT_TRUE(root_->Rmdir("d").ok());
  EXPECT_FALSE(Host(dir_.Sub("d")).exists);
  EXPECT_EQ(Err(root_->Lookup("d")), ENOENT);
}

TEST_P(GoferfsTest, Rename) {
  auto d = Get(*root_, "d");
  auto g = Get(*d, "g");
  ASSERT_TRUE(d->Rename("g", *root_, "g2", 0).ok());
  EXPECT_FALSE(Host(dir_.Sub("d/g")).exists);
  EXPECT_EQ(ReadFile(dir_.Sub("g2")), "inner");
  EXPECT_EQ(Get(*root_, "g2"), g) << "the inode follows its file";
  EXPECT_EQ(Err(d->Lookup("g")), ENOENT);
  EXPECT_EQ(ReadAll(*g), "inner");
  // Replacing an existing file.
  ASSERT_TRUE(root_->Rename("g2", *root_, "f", 0).ok());
  EXPECT_EQ(ReadFile(dir_.Sub("f")), "inner");
  EXPECT_EQ(Get(*root_, "f"), g);
  EXPECT_EQ(Err(root_->Rename("missing", *root_, "x", 0)), ENOENT);
  WriteFile(dir_.Sub("other"), "o");
  EXPECT_EQ(Err(root_->Rename("f", *root_, "other", RENAME_NOREPLACE)), EEXIST);
  EXPECT_EQ(Err(root_->Rename("f", *root_, "other", RENAME_EXCHANGE)), EINVAL);
  EXPECT_EQ(Err(root_->Rename("f", *root_, "fresh", RENAME_NOREPLACE)), 0);
  EXPECT_EQ(Err(root_->Rename("d", *root_, "other", 0)), ENOTDIR);
  // A directory moves with its contents.
  ASSERT_TRUE(d->Create("h", 0644, root_owner_).ok());
  ASSERT_TRUE(root_->Rename("d", *root_, "d2", 0).ok());
  EXPECT_TRUE(Host(dir_.Sub("d2/h")).exists);
  EXPECT_TRUE(Get(*Get(*root_, "d2"), "h") != nullptr);
}

TEST_P(GoferfsTest, ReadDir) {
  for (int i = 0; i < 300; ++i) WriteFile(dir_.Sub("d/file" + std::to_string(i)), "");
  auto es = root_->ReadDir();
  ASSERT_TRUE(es.ok());
  std::vector<std::string> names;
  for (const auto& e : *es) {
    names.push_back(e.name);
    if (e.name == "d") {
      EXPECT_EQ(e.type, DT_DIR);
    } else if (e.name == "f") {
      EXPECT_EQ(e.type, DT_REG);
      EXPECT_EQ(e.ino, Get(*root_, "f")->Stat().ino);
    } else if (e.name == "l") {
      EXPECT_EQ(e.type, DT_LNK);
    }
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"d", "f", "l"}));
  auto inner = Get(*root_, "d")->ReadDir();  // many Treaddir rounds at msize 16 KiB
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->size(), 301u);
  EXPECT_EQ(Err(Get(*root_, "f")->ReadDir()), ENOTDIR);
}

TEST_P(GoferfsTest, SetAttr) {
  auto f = Get(*root_, "f");
  SetAttrRequest r;
  r.mask = SetAttrRequest::kMode | SetAttrRequest::kSize | SetAttrRequest::kMtime;
  r.mode = 0600;
  r.size = 2;
  r.mtime = {1000000000, 5};
  ASSERT_TRUE(f->SetAttr(r).ok());
  HostStat h = Host(dir_.Sub("f"));
  EXPECT_EQ(h.st.st_mode, S_IFREG | 0600);
  EXPECT_EQ(h.st.st_size, 2);
  EXPECT_EQ(h.st.st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(f->Stat().mode, S_IFREG | 0600u);
  EXPECT_EQ(f->Stat().size, 2);
  EXPECT_EQ(f->Stat().mtime.tv_sec, 1000000000);
  SetAttrRequest t;
  t.mask = SetAttrRequest::kSize;
  t.size = 1;
  EXPECT_EQ(Err(root_->SetAttr(t)), EISDIR);
}

TEST_P(GoferfsTest, StatIsCachedAndOpenRevalidates) {
  auto f = Get(*root_, "f");
  EXPECT_EQ(f->Stat().size, 5);
  WriteFile(dir_.Sub("f"), "changed on the host");
  EXPECT_EQ(f->Stat().size, 5) << "stat answers from the cache";
  EXPECT_EQ(Get(*root_, "f"), f);
  ASSERT_TRUE(f->PrepareOpen(O_RDONLY).ok());
  EXPECT_EQ(f->Stat().size, 19);
  EXPECT_EQ(ReadAll(*f), "changed on the host");
}

TEST_P(GoferfsTest, ReplacedOnHostIsStaleAtOpen) {
  auto f = Get(*root_, "f");
  WriteFile(dir_.Sub("f.new"), "replacement");
  ASSERT_EQ(rename(dir_.Sub("f.new").c_str(), dir_.Sub("f").c_str()), 0);
  EXPECT_EQ(Get(*root_, "f"), f) << "within the lookup timeout";
  EXPECT_EQ(Err(f->PrepareOpen(O_RDONLY)), ESTALE);
  auto f2 = Get(*root_, "f");
  ASSERT_NE(f2, f) << "the stale name was forgotten";
  ASSERT_TRUE(f2->PrepareOpen(O_RDONLY).ok());
  EXPECT_EQ(ReadAll(*f2), "replacement");
  ASSERT_EQ(unlink(dir_.Sub("f").c_str()), 0);
  EXPECT_EQ(Err(f2->PrepareOpen(O_RDONLY)), ESTALE);
  EXPECT_EQ(Err(root_->Lookup("f")), ENOENT);
}

// Removed and recreated on the host, perhaps with the same inode number:
// the birth time tells the two files apart.
TEST_P(GoferfsTest, RecreatedOnHostIsStaleAtOpen) {
  auto f = Get(*root_, "f");
  struct stat before, after;
  ASSERT_EQ(stat(dir_.Sub("f").c_str(), &before), 0);
  ASSERT_EQ(unlink(dir_.Sub("f").c_str()), 0);
  WriteFile(dir_.Sub("f"), "recreated");
  ASSERT_EQ(stat(dir_.Sub("f").c_str(), &after), 0);
  struct statx sx;
  ASSERT_EQ(statx(AT_FDCWD, dir_.Sub("f").c_str(), 0, STATX_BTIME, &sx), 0);
  if (before.st_ino == after.st_ino && (sx.stx_mask & STATX_BTIME) == 0) {
    GTEST_SKIP() << "inode number reused on a filesystem without birth times";
  }
  EXPECT_EQ(Err(f->PrepareOpen(O_RDONLY)), ESTALE);
  auto f2 = Get(*root_, "f");
  ASSERT_NE(f2, f);
  ASSERT_TRUE(f2->PrepareOpen(O_RDONLY).ok());
  EXPECT_EQ(ReadAll(*f2), "recreated");
}

TEST_P(GoferfsTest, ReplacedOnHostSeenAfterLookupTimeout) {
  Connect(false, absl::ZeroDuration());
  auto f = Get(*root_, "f");
  EXPECT_EQ(Get(*root_, "f"), f) << "same file: same inode";
  WriteFile(dir_.Sub("f.new"), "replacement");
  ASSERT_EQ(rename(dir_.Sub("f.new").c_str(), dir_.Sub("f").c_str()), 0);
  auto f2 = Get(*root_, "f");
  EXPECT_NE(f2, f);
  ASSERT_TRUE(f2->PrepareOpen(O_RDONLY).ok());
  EXPECT_EQ(ReadAll(*f2), "replacement");
  ASSERT_EQ(unlink(dir_.Sub("f").c_str()), 0);
  EXPECT_EQ(Err(root_->Lookup("f")), ENOENT);
  WriteFile(dir_.Sub("late"), "x");
  EXPECT_TRUE(root_->Lookup("late").ok()) << "absent names are asked again";
}

TEST_P(GoferfsTest, CreateOverANameMadeOnTheHost) {
  EXPECT_EQ(Err(root_->Lookup("late")), ENOENT);  // cached as absent for 60 s
  WriteFile(dir_.Sub("late"), "host");
  EXPECT_EQ(Err(root_->Lookup("late")), ENOENT);
  EXPECT_EQ(Err(root_->Create("late", 0644, root_owner_)), EEXIST);
  auto f = root_->Lookup("late");
  ASSERT_TRUE(f.ok()) << "EEXIST dropped the stale absent entry";
  EXPECT_EQ(ReadAll(**f), "host");
}

TEST_P(GoferfsTest, ReadOnlyGoferGivesErofs) {
  Connect(true, absl::Seconds(60));
  auto f = Get(*root_, "f");
  EXPECT_EQ(ReadAll(*f), "hello");
  EXPECT_EQ(Err(f->PrepareOpen(O_WRONLY)), EROFS);
  EXPECT_EQ(Err(Write(*f, "x")), EROFS);
  EXPECT_EQ(Err(root_->Create("n", 0644, root_owner_)), EROFS);
  EXPECT_EQ(Err(root_->Mkdir("n", 0755, root_owner_)), EROFS);
  EXPECT_EQ(Err(root_->Unlink("f")), EROFS);
  EXPECT_EQ(Err(root_->Rename("f", *root_, "g", 0)), EROFS);
  SetAttrRequest r;
  r.mask = SetAttrRequest::kMode;
  r.mode = 0600;
  EXPECT_EQ(Err(f->SetAttr(r)), EROFS);
  EXPECT_EQ(ReadFile(dir_.Sub("f")), "hello");
}

TEST_P(GoferfsTest, ConcurrentUse) {
  Connect(false, absl::Milliseconds(1), /*cache_size=*/16);
  auto d = Get(*root_, "d");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int j = 0; j < 40; ++j) {
        const std::string name = "t" + std::to_string(t) + "_" + std::to_string(j);
        auto c = d->Create(name, 0644, root_owner_);
        if (!c.ok()) { failures++; continue; }
        if (!Write(**c, name).ok()) failures++;
        auto again = d->Lookup(name);
        if (!again.ok() || ReadAll(**again) != name) failures++;
        auto shared = root_->Lookup("f");
        if (!shared.ok() || ReadAll(**shared) != "hello") failures++;
        if (!d->Rename(name, *root_, name + ".moved", 0).ok()) failures++;
        if (!root_->Unlink(name + ".moved").ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto es = root_->ReadDir();
  ASSERT_TRUE(es.ok());
  EXPECT_EQ(es->size(), 3u);
}

int OpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

// The in-process gofer holds an O_PATH fd per walked file: a tree walk must
// not pin one per file, while inodes the VFS still holds keep their names.
TEST_P(GoferfsTest, NameCacheIsBounded) {
  Connect(false, absl::Seconds(60), /*cache_size=*/8);
  for (int i = 0; i < 200; ++i) WriteFile(dir_.Sub("d/file" + std::to_string(i)), "");
  auto d = Get(*root_, "d");
  auto held = Get(*d, "file0");
  const int before = OpenFds();
  for (int i = 1; i < 200; ++i) ASSERT_NE(Get(*d, "file" + std::to_string(i)), nullptr);
  EXPECT_LT(OpenFds() - before, 40);
  EXPECT_EQ(Get(*d, "file0"), held) << "a held inode keeps its cached name";
  held.reset();
  d.reset();
  Connect(false, absl::Seconds(60));
  d = Get(*root_, "d");
  const int before2 = OpenFds();
  std::vector<std::shared_ptr<Inode>> keep;
  for (int i = 0; i < 200; ++i) keep.push_back(Get(*d, "file" + std::to_string(i)));
  EXPECT_GE(OpenFds() - before2, 200) << "the default cache keeps them (sanity check of the probe)";
}

INSTANTIATE_TEST_SUITE_P(Donation, GoferfsTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "FdDonation" : "Plain9P"; });

}  // namespace
}  // namespace sentry::vfs
