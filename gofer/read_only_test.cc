// Read-only serving refuses every write-like request with EROFS and leaves
// the tree untouched; device nodes are never opened, read-only or not.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "gofer/test_util.h"
#include "gtest/gtest.h"

namespace gofer::testing {
namespace {

class ReadOnlyTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(dir_.Sub("d").c_str(), 0755), 0);
    WriteFile(dir_.Sub("f"), "original");
    ASSERT_EQ(symlink("f", dir_.Sub("l").c_str()), 0);
    ASSERT_EQ(mknod(dir_.Sub("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0)
        << "tests need root";
    s_ = Session::InProcess(dir_.path(), {.read_only = GetParam()});
    ASSERT_NE(s_, nullptr);
    auto r = s_->Attach();
    ASSERT_TRUE(r.ok());
    root_ = *r;
  }
  uint32_t W(const std::vector<std::string>& names) {
    auto f = s_->Walk(root_, names);
    EXPECT_TRUE(f.ok()) << f.status();
    return f.ok() ? *f : 0;
  }
  template <class R>
  int Call(fs9p::Message m) {
    return Err(s_->client().Rpc<R>(std::move(m)));
  }
  bool ro() const { return GetParam(); }

  TempDir dir_;
  std::unique_ptr<Session> s_;
  uint32_t root_ = 0;
};

// Write refusals only make sense read-only; ops_test covers read-write.
class WriteRefusalTest : public ReadOnlyTest {};

TEST_P(WriteRefusalTest, WriteLikeRequestsGetErofs) {
  ASSERT_TRUE(ro());
  EXPECT_EQ(Err(s_->Create(root_, "new", O_RDWR | O_CREAT, 0644)), EROFS);
  for (uint32_t flags : {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_APPEND}) {
    EXPECT_EQ(Err(s_->Open(W({"f"}), flags)), EROFS) << flags;
  }
  // Twrite: no fid can be open for writing; one open for reading is refused.
  uint32_t rf = W({"f"});
  ASSERT_TRUE(s_->Open(rf, O_RDONLY).ok());
  EXPECT_EQ(Err(s_->Write(rf, 0, "x")), EBADF);
  for (uint32_t valid : {fs9p::kSetattrMode, fs9p::kSetattrUid, fs9p::kSetattrGid,
                         fs9p::kSetattrSize, fs9p::kSetattrAtime, fs9p::kSetattrMtime}) {
    fs9p::Tsetattr t{};
    t.fid = W({"f"});
    t.valid = valid;
    EXPECT_EQ(Call<fs9p::Rsetattr>(t), EROFS) << valid;
  }
  EXPECT_EQ(Call<fs9p::Rmkdir>(fs9p::Tmkdir{root_, "nd", 0755, 0}), EROFS);
  EXPECT_EQ(Call<fs9p::Rsymlink>(fs9p::Tsymlink{root_, "ns", "f", 0}), EROFS);
  EXPECT_EQ(Call<fs9p::Rmknod>(fs9p::Tmknod{root_, "nf", S_IFIFO | 0644, 0, 0, 0}), EROFS);
  EXPECT_EQ(Call<fs9p::Rlink>(fs9p::Tlink{root_, W({"f"}), "nl"}), EROFS);
  EXPECT_EQ(Call<fs9p::Rrename>(fs9p::Trename{W({"f"}), root_, "g"}), EROFS);
  EXPECT_EQ(Call<fs9p::Rrenameat>(fs9p::Trenameat{root_, "f", root_, "g"}), EROFS);
  EXPECT_EQ(Call<fs9p::Runlinkat>(fs9p::Tunlinkat{root_, "f", 0}), EROFS);
  EXPECT_EQ(Call<fs9p::Runlinkat>(fs9p::Tunlinkat{root_, "d", 0x200}), EROFS);
  uint32_t victim = W({"f"});
  EXPECT_EQ(Call<fs9p::Rremove>(fs9p::Tremove{victim}), EROFS);
  EXPECT_EQ(Err(s_->Getattr(victim)), EBADF) << "Tremove clunks even when it fails";
  EXPECT_EQ(Call<fs9p::Rxattrcreate>(fs9p::Txattrcreate{W({"f"}), "user.x", 1, 0}), EROFS);

  // Nothing changed on the host.
  EXPECT_EQ(ReadFile(dir_.Sub("f")), "original");
  struct stat st;
  for (const char* n : {"new", "nd", "ns", "nf", "nl", "g"}) {
    EXPECT_NE(lstat(dir_.Sub(n).c_str(), &st), 0) << n;
  }
  EXPECT_EQ(lstat(dir_.Sub("d").c_str(), &st), 0);
}

TEST_P(ReadOnlyTest, ReadsStillWork) {
  uint32_t f = W({"f"});
  ASSERT_TRUE(s_->Open(f, O_RDONLY).ok());
  auto data = s_->Read(f, 0, 100);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "original");
  uint32_t d = W({});
  ASSERT_TRUE(s_->Open(d, O_RDONLY | O_DIRECTORY).ok());
  auto entries = s_->ReadDirAll(d);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 6u);  // . .. d f l null
  auto l = s_->client().Rpc<fs9p::Rreadlink>(fs9p::Treadlink{W({"l"})});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->target, "f");
}

TEST_P(ReadOnlyTest, DeviceNodesAreNeverOpened) {
  EXPECT_EQ(Err(s_->Open(W({"null"}), O_RDONLY)), EPERM);
  int want_write = ro() ? EROFS : EPERM;
  EXPECT_EQ(Err(s_->Open(W({"null"}), O_WRONLY)), want_write);
  EXPECT_EQ(Err(s_->Open(W({"null"}), O_RDWR)), want_write);
  if (ro()) return;
  // Tlcreate of an existing device name without O_EXCL goes the checked way.
  EXPECT_EQ(Err(s_->Create(root_, "null", O_RDWR, 0644)), EPERM);
  // And Tmknod makes no device nodes.
  EXPECT_EQ(Call<fs9p::Rmknod>(fs9p::Tmknod{root_, "c", S_IFCHR | 0666, 1, 3, 0}), EPERM);
  EXPECT_EQ(Call<fs9p::Rmknod>(fs9p::Tmknod{root_, "b", S_IFBLK | 0666, 7, 0, 0}), EPERM);
  struct stat st;
  EXPECT_NE(lstat(dir_.Sub("c").c_str(), &st), 0);
  EXPECT_NE(lstat(dir_.Sub("b").c_str(), &st), 0);
  // No xattr access through a device node either.
  EXPECT_EQ(Call<fs9p::Rxattrwalk>(fs9p::Txattrwalk{W({"null"}), s_->client().NewFid(), ""}),
            EOPNOTSUPP);
}

INSTANTIATE_TEST_SUITE_P(ReadOnly, WriteRefusalTest, ::testing::Values(true));
INSTANTIATE_TEST_SUITE_P(Modes, ReadOnlyTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "ReadOnly" : "ReadWrite"; });

}  // namespace
}  // namespace gofer::testing
