// goferfs (the Sentry's 9P file system) over real server processes:
// Debian's diod (plain 9P2000.L, no Tunlinkat/Trenameat), our gofer, and
// our gofer with FD donation. Every change is checked on the served
// directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sentry/vfs/goferfs.h"
#include "tests/gofer/server_launcher.h"

namespace tests {
namespace {

using sentry::ErrnoResult;
using sentry::vfs::Inode;

std::string HostRead(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

int Err(const ErrnoResult& r) { return r.ok() ? 0 : r.error().value(); }
template <class T>
int Err(const sentry::ErrnoOr<T>& r) {
  return r.ok() ? 0 : r.error().value();
}

class GoferfsInterop : public ::testing::TestWithParam<ServerKind> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/goferfs_interop.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/f") << "hello";
    ASSERT_EQ(mkdir((dir_ + "/d").c_str(), 0755), 0);
    std::ofstream(dir_ + "/d/g") << "inner";
    ServerOptions opts;
    opts.msize = 65536;
    auto s = StartServer(GetParam(), dir_, opts);
    if (absl::IsUnavailable(s.status())) GTEST_SKIP() << s.status().message();
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    // The server outlives root_ (TearDown).
    std::shared_ptr<fs9p::Client> c(&server_->client(), [](fs9p::Client*) {});
    sentry::vfs::GoferfsOptions go;
    go.attach_uid = 0;
    go.aname = server_->aname();
    auto root = sentry::vfs::NewGoferfs(c, go);
    ASSERT_TRUE(root.ok()) << Err(root);
    root_ = *root;
  }
  void TearDown() override {
    root_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Host(const std::string& rel) { return dir_ + "/" + rel; }
  bool HostExists(const std::string& rel) {
    struct stat st;
    return lstat(Host(rel).c_str(), &st) == 0;
  }
  std::shared_ptr<Inode> Get(Inode& dir, const std::string& name) {
    auto r = dir.Lookup(name);
    EXPECT_TRUE(r.ok()) << name << ": " << Err(r);
    return r.ok() ? *r : nullptr;
  }
  std::string ReadAll(Inode& i) {
    std::string out(4096, '\0');
    auto n = i.ReadAt(out.data(), out.size(), 0);
    EXPECT_TRUE(n.ok()) << Err(n);
    out.resize(n.ok() ? *n : 0);
    return out;
  }

  std::string dir_;
  std::unique_ptr<RunningServer> server_;
  std::shared_ptr<Inode> root_;
  sentry::vfs::Owner o_{0, 0};
};

TEST_P(GoferfsInterop, FilesAndDirectories) {
  auto f = Get(*root_, "f");
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->PrepareOpen(O_RDWR).ok());
  EXPECT_EQ(ReadAll(*f), "hello");
  EXPECT_EQ(f->Stat().size, 5);
  ASSERT_TRUE(f->WriteAt("J", 1, 0).ok());
  EXPECT_EQ(HostRead(Host("f")), "Jello");
  EXPECT_EQ(Err(root_->Lookup("missing")), ENOENT);

  auto n = root_->Create("n", 0640, o_);
  ASSERT_TRUE(n.ok()) << Err(n);
  ASSERT_TRUE((*n)->WriteAt("new", 3, 0).ok());
  EXPECT_EQ(HostRead(Host("n")), "new");
  EXPECT_EQ(Err(root_->Create("n", 0644, o_)), EEXIST);
  ASSERT_TRUE(root_->Mkdir("m", 0755, o_).ok());
  EXPECT_TRUE(HostExists("m"));
  auto s = root_->Symlink("s", "n", o_);
  ASSERT_TRUE(s.ok()) << Err(s);
  EXPECT_EQ(*(*s)->ReadLink(), "n");

  auto es = root_->ReadDir();
  ASSERT_TRUE(es.ok());
  std::vector<std::string> names;
  for (const auto& e : *es) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"d", "f", "m", "n", "s"}));

  sentry::vfs::SetAttrRequest r;
  r.mask = sentry::vfs::SetAttrRequest::kMode | sentry::vfs::SetAttrRequest::kSize;
  r.mode = 0600;
  r.size = 2;
  ASSERT_TRUE((*n)->SetAttr(r).ok());
  struct stat st;
  ASSERT_EQ(stat(Host("n").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode, S_IFREG | 0600u);
  EXPECT_EQ(st.st_size, 2);
}

TEST_P(GoferfsInterop, RemoveAndRename) {
  auto d = Get(*root_, "d");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(Err(root_->Rmdir("d")), ENOTEMPTY);
  EXPECT_EQ(Err(root_->Unlink("d")), EISDIR);
  EXPECT_EQ(Err(root_->Rmdir("f")), ENOTDIR);
  ASSERT_TRUE(d->Rename("g", *root_, "g2", 0).ok());
  EXPECT_FALSE(HostExists("d/g"));
  EXPECT_EQ(HostRead(Host("g2")), "inner");
  EXPECT_EQ(ReadAll(*Get(*root_, "g2")), "inner");
  ASSERT_TRUE(root_->Rmdir("d").ok());
  EXPECT_FALSE(HostExists("d"));
  ASSERT_TRUE(root_->Unlink("f").ok());
  EXPECT_FALSE(HostExists("f"));
  EXPECT_EQ(Err(root_->Lookup("f")), ENOENT);
  EXPECT_EQ(Err(root_->Unlink("f")), ENOENT);
}

INSTANTIATE_TEST_SUITE_P(Servers, GoferfsInterop,
                         ::testing::Values(ServerKind::kDiod, ServerKind::kGofer,
                                           ServerKind::kGoferFdDonation),
                         [](const auto& info) { return std::string(ServerName(info.param)); });

}  // namespace
}  // namespace tests
