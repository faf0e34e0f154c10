// One suite, three servers: Debian's diod, our gofer, and our gofer with FD
// donation. Each operation goes through the fs9p client and its result is
// compared with the same operation done directly on the served directory.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "fs9p/path_client.h"
#include "gtest/gtest.h"
#include "tests/gofer/server_launcher.h"

namespace tests {
namespace {

using fs9p::ErrnoOf;

std::string HostRead(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void HostWrite(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

class Interop : public ::testing::TestWithParam<ServerKind> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/interop.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ServerOptions opts;
    opts.msize = 65536;
    auto s = StartServer(GetParam(), dir_, opts);
    if (absl::IsUnavailable(s.status())) GTEST_SKIP() << s.status().message();
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    auto pc = fs9p::PathClient::Attach(server_->client(), server_->aname());
    ASSERT_TRUE(pc.ok()) << pc.status();
    fs_.emplace(*std::move(pc));
  }
  void TearDown() override {
    fs_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Host(const std::string& rel) { return dir_ + "/" + rel; }

  std::string dir_;
  std::unique_ptr<RunningServer> server_;
  std::optional<fs9p::PathClient> fs_;
};

TEST_P(Interop, GetattrMatchesStat) {
  HostWrite(Host("f"), "hello world");
  ASSERT_EQ(chmod(Host("f").c_str(), 0640), 0);
  struct stat st;
  ASSERT_EQ(stat(Host("f").c_str(), &st), 0);
  auto a = fs_->Getattr("f");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->mode, st.st_mode);
  EXPECT_EQ(a->size, static_cast<uint64_t>(st.st_size));
  EXPECT_EQ(a->nlink, st.st_nlink);
  EXPECT_EQ(a->uid, st.st_uid);
  EXPECT_EQ(a->gid, st.st_gid);
  EXPECT_EQ(a->mtime_sec, static_cast<uint64_t>(st.st_mtim.tv_sec));
  EXPECT_EQ(a->mtime_nsec, static_cast<uint64_t>(st.st_mtim.tv_nsec));
  EXPECT_EQ(a->blocks, static_cast<uint64_t>(st.st_blocks));
  EXPECT_EQ(a->qid.type, fs9p::kQidFile);
  auto d = fs_->Getattr("");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(S_ISDIR(d->mode));
  EXPECT_EQ(d->qid.type, fs9p::kQidDir);
}

TEST_P(Interop, WalkErrorsMatchHost) {
  HostWrite(Host("f"), "x");
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  EXPECT_EQ(ErrnoOf(fs_->Walk("missing").status()), ENOENT);
  EXPECT_EQ(ErrnoOf(fs_->Walk("d/missing").status()), ENOENT);
  // Walking through a regular file: the host says ENOTDIR; 9P servers
  // report the partial walk, which our PathClient turns into ENOENT.
  EXPECT_FALSE(fs_->Walk("f/x").ok());
  auto fid = fs_->Walk("d");
  ASSERT_TRUE(fid.ok());
  EXPECT_TRUE(fs_->Clunk(*fid).ok());
}

TEST_P(Interop, ReadMatchesHostContent) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 rng(42);
  for (auto& c : big) c = static_cast<char>(rng());
  HostWrite(Host("big"), big);
  auto got = fs_->ReadFile("big");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == big) << "content differs";
  HostWrite(Host("empty"), "");
  auto e = fs_->ReadFile("empty");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "");
}

TEST_P(Interop, CreateAndWriteLandOnHost) {
  std::string data(200000, 'q');
  ASSERT_TRUE(fs_->WriteFile("new", data, 0600).ok());
  EXPECT_EQ(HostRead(Host("new")), data);
  struct stat st;
  ASSERT_EQ(stat(Host("new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // Rewriting truncates.
  ASSERT_TRUE(fs_->WriteFile("new", "short").ok());
  EXPECT_EQ(HostRead(Host("new")), "short");
}

TEST_P(Interop, LcreateExclusiveOnExistingFails) {
  HostWrite(Host("f"), "x");
  auto root = fs_->Walk("");
  ASSERT_TRUE(root.ok());
  auto r = server_->client().Rpc<fs9p::Rlcreate>(
      fs9p::Tlcreate{*root, "f", O_RDWR | O_CREAT | O_EXCL, 0644, 0});
  EXPECT_EQ(ErrnoOf(r.status()), EEXIST);
  (void)fs_->Clunk(*root);
}

TEST_P(Interop, SetattrChangesHost) {
  HostWrite(Host("f"), "0123456789");
  fs9p::Tsetattr t;
  t.valid = fs9p::kSetattrMode | fs9p::kSetattrSize | fs9p::kSetattrMtime | fs9p::kSetattrMtimeSet;
  t.mode = 0604;
  t.size = 4;
  t.mtime_sec = 1000000000;
  t.mtime_nsec = 5;
  ASSERT_TRUE(fs_->Setattr("f", t).ok());
  struct stat st;
  ASSERT_EQ(stat(Host("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_EQ(st.st_size, 4);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 5);
  EXPECT_EQ(HostRead(Host("f")), "0123");
}

TEST_P(Interop, ReaddirListsEveryNameOnce) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  for (int i = 0; i < 300; ++i) HostWrite(Host("d/file_with_a_longish_name_" + std::to_string(i)), "");
  ASSERT_EQ(mkdir(Host("d/sub").c_str(), 0755), 0);
  std::multiset<std::string> host;
  DIR* dp = opendir(Host("d").c_str());
  ASSERT_NE(dp, nullptr);
  while (dirent* e = readdir(dp)) host.insert(e->d_name);
  closedir(dp);
  // A small count forces many Treaddir round trips.
  auto entries = fs_->ReadDir("d", 512);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::multiset<std::string> got;
  for (auto& e : *entries) {
    got.insert(e.name);
    if (e.name == "sub") {
      EXPECT_EQ(e.type, DT_DIR);
    }
  }
  host.erase("."), host.erase("..");
  got.erase("."), got.erase("..");
  EXPECT_EQ(got, host);
}

TEST_P(Interop, MkdirAndUnlinkat) {
  ASSERT_TRUE(fs_->Mkdir("d", 0750).ok());
  struct stat st;
  ASSERT_EQ(stat(Host("d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(ErrnoOf(fs_->Mkdir("d").status()), EEXIST);
  HostWrite(Host("d/f"), "x");
  EXPECT_EQ(ErrnoOf(fs_->Unlink("d", AT_REMOVEDIR)), ENOTEMPTY);
  EXPECT_TRUE(fs_->Unlink("d/f").ok());
  EXPECT_NE(access(Host("d/f").c_str(), F_OK), 0);
  EXPECT_TRUE(fs_->Unlink("d", AT_REMOVEDIR).ok());
  EXPECT_NE(access(Host("d").c_str(), F_OK), 0);
  EXPECT_EQ(ErrnoOf(fs_->Unlink("d")), ENOENT);
}

TEST_P(Interop, RenameatMoves) {
  HostWrite(Host("a"), "payload");
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  ASSERT_TRUE(fs_->Rename("a", "d/b").ok());
  EXPECT_NE(access(Host("a").c_str(), F_OK), 0);
  EXPECT_EQ(HostRead(Host("d/b")), "payload");
  EXPECT_EQ(ErrnoOf(fs_->Rename("missing", "x")), ENOENT);
}

TEST_P(Interop, SymlinkAndReadlink) {
  ASSERT_TRUE(fs_->Symlink("l", "../some/where").ok());
  char buf[256];
  ssize_t n = readlink(Host("l").c_str(), buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "../some/where");
  ASSERT_EQ(symlink("/etc/passwd", Host("l2").c_str()), 0);
  auto t = fs_->Readlink("l2");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "/etc/passwd");
  auto a = fs_->Getattr("l2");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(S_ISLNK(a->mode));
  EXPECT_EQ(a->qid.type, fs9p::kQidSymlink);
}

TEST_P(Interop, LinkSharesInode) {
  HostWrite(Host("a"), "x");
  ASSERT_TRUE(fs_->Link("a", "b").ok());
  struct stat sa, sb;
  ASSERT_EQ(stat(Host("a").c_str(), &sa), 0);
  ASSERT_EQ(stat(Host("b").c_str(), &sb), 0);
  EXPECT_EQ(sa.st_ino, sb.st_ino);
  EXPECT_EQ(sa.st_nlink, 2u);
}

TEST_P(Interop, StatfsMatchesHost) {
  struct statfs host;
  ASSERT_EQ(statfs(dir_.c_str(), &host), 0);
  auto s = fs_->Statfs("");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->bsize, static_cast<uint32_t>(host.f_bsize));
  EXPECT_EQ(s->blocks, host.f_blocks);
  EXPECT_EQ(s->files, host.f_files);
  EXPECT_EQ(s->namelen, static_cast<uint32_t>(host.f_namelen));
}

TEST_P(Interop, Fsync) {
  HostWrite(Host("f"), "x");
  EXPECT_TRUE(fs_->Fsync("f").ok());
}

TEST_P(Interop, Xattrs) {
  HostWrite(Host("f"), "x");
  if (setxattr(Host("f").c_str(), "user.probe", "1", 1, 0) != 0) {
    GTEST_SKIP() << "user xattrs unsupported on " << dir_ << ": " << strerror(errno);
  }
  ASSERT_TRUE(fs_->SetXattr("f", "user.test", "value-from-9p").ok());
  char buf[64];
  ssize_t n = getxattr(Host("f").c_str(), "user.test", buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "value-from-9p");
  auto v = fs_->GetXattr("f", "user.probe");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "1");
  auto list = fs_->ListXattr("f");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_NE(list->find(std::string("user.test\0", 10)), std::string::npos);
  EXPECT_NE(list->find(std::string("user.probe\0", 11)), std::string::npos);
  EXPECT_EQ(ErrnoOf(fs_->GetXattr("f", "user.missing").status()), ENODATA);
}

TEST_P(Interop, ConcurrentClientsThreads) {
  for (int i = 0; i < 8; ++i) HostWrite(Host("f" + std::to_string(i)), std::string(10000 + i, 'a' + i));
  std::vector<std::thread> ts;
  std::atomic<int> bad{0};
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k) {
        auto r = fs_->ReadFile("f" + std::to_string(i));
        if (!r.ok() || *r != std::string(10000 + i, 'a' + i)) ++bad;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Servers, Interop,
                         ::testing::Values(ServerKind::kDiod, ServerKind::kGofer,
                                           ServerKind::kGoferFdDonation),
                         [](const auto& info) { return std::string(ServerName(info.param)); });

}  // namespace
}  // namespace tests
