// Walk safety: names, "..", symlinks, and a directory swapped for a symlink
// to "/" while walks run through it.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "gofer/test_util.h"
#include "gtest/gtest.h"

namespace gofer::testing {
namespace {

uint64_t InoBits(uint64_t qid_path) { return qid_path & ((uint64_t{1} << 48) - 1); }
uint64_t InoOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_ino & ((uint64_t{1} << 48) - 1);
}

class WalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(dir_.Sub("a").c_str(), 0755), 0);
    WriteFile(dir_.Sub("a/f"), "inside");
    s_ = Session::InProcess(dir_.path(), {});
    ASSERT_NE(s_, nullptr);
    auto root = s_->Attach();
    ASSERT_TRUE(root.ok()) << root.status();
    root_ = *root;
  }
  absl::StatusOr<fs9p::Rwalk> WalkRaw(const std::vector<std::string>& names) {
    return s_->client().Rpc<fs9p::Rwalk>(fs9p::Twalk{root_, s_->client().NewFid(), names});
  }

  TempDir dir_;
  std::unique_ptr<Session> s_;
  uint32_t root_ = 0;
};

TEST_F(WalkTest, DotDotAtTheRootStaysAtTheRoot) {
  auto r = WalkRaw({"..", "..", "a", "..", "..", "a", "f"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->qids.size(), 7u);
  const uint64_t root_ino = InoOf(dir_.path());
  EXPECT_EQ(InoBits(r->qids[0].path), root_ino);
  EXPECT_EQ(InoBits(r->qids[1].path), root_ino);
  EXPECT_EQ(InoBits(r->qids[3].path), root_ino);
  EXPECT_EQ(InoBits(r->qids[4].path), root_ino);
  EXPECT_EQ(InoBits(r->qids[6].path), InoOf(dir_.Sub("a/f")));
  EXPECT_NE(root_ino, InoOf("/"));
}

TEST_F(WalkTest, BadNamesAreInvalid) {
  for (std::string bad : {std::string(""), std::string("."), std::string("a/f"),
                          std::string("/"), std::string("..//etc")}) {
    EXPECT_EQ(Err(WalkRaw({bad})), EINVAL) << "'" << bad << "'";
  }
  // A NUL cannot even be encoded by our client's codec on the wire; the
  // FileServer refuses it directly.
  auto fs = FileServer::Create(dir_.path(), {});
  ASSERT_TRUE(fs.ok());
  fs9p::Session sess{1 << 16, false};
  auto a = (*fs)->Handle(fs9p::Tattach{1, fs9p::kNoFid, "", "", fs9p::kNoUid}, sess);
  ASSERT_TRUE(std::holds_alternative<fs9p::Rattach>(a.msg));
  auto w = (*fs)->Handle(fs9p::Twalk{1, 2, {std::string("a\0f", 3)}}, sess);
  ASSERT_TRUE(std::holds_alternative<fs9p::Rlerror>(w.msg));
  EXPECT_EQ(std::get<fs9p::Rlerror>(w.msg).ecode, static_cast<uint32_t>(EINVAL));
}

TEST_F(WalkTest, PartialWalkReturnsQidsSoFarAndNoNewFid) {
  uint32_t nf = s_->client().NewFid();
  auto r = s_->client().Rpc<fs9p::Rwalk>(fs9p::Twalk{root_, nf, {"a", "missing", "x"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->qids.size(), 1u);
  EXPECT_EQ(Err(s_->Getattr(nf)), EBADF);
  EXPECT_EQ(Err(WalkRaw({"missing"})), ENOENT);
}

TEST_F(WalkTest, WalkWithNewFidEqualToFidReplacesOnlyOnSuccess) {
  auto f = s_->Walk(root_, {"a"});
  ASSERT_TRUE(f.ok());
  auto bad = s_->client().Rpc<fs9p::Rwalk>(fs9p::Twalk{*f, *f, {"missing"}});
  EXPECT_EQ(Err(bad), ENOENT);
  auto still = s_->Getattr(*f);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(InoBits(still->qid.path), InoOf(dir_.Sub("a")));
  auto good = s_->client().Rpc<fs9p::Rwalk>(fs9p::Twalk{*f, *f, {"f"}});
  ASSERT_TRUE(good.ok());
  auto now = s_->Getattr(*f);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(InoBits(now->qid.path), InoOf(dir_.Sub("a/f")));
  // A newfid in use is refused.
  auto g = s_->client().Rpc<fs9p::Rwalk>(fs9p::Twalk{root_, *f, {"a"}});
  EXPECT_EQ(Err(g), EIO);
}

TEST_F(WalkTest, SymlinksAreNeverFollowed) {
  for (std::string target : {"/", "../../..", "/proc/self/root", "a"}) {
    SCOPED_TRACE(target);
    unlink(dir_.Sub("l").c_str());
    ASSERT_EQ(symlink(target.c_str(), dir_.Sub("l").c_str()), 0);
    auto through = WalkRaw({"l", "etc"});
    // The symlink itself is a node; walking through it is not allowed.
    ASSERT_TRUE(through.ok()) << through.status();
    EXPECT_EQ(through->qids.size(), 1u);
    EXPECT_EQ(through->qids[0].type, fs9p::kQidSymlink);
    auto through_a = WalkRaw({"l", "f"});
    ASSERT_TRUE(through_a.ok());
    EXPECT_EQ(through_a->qids.size(), 1u);
    auto l = s_->Walk(root_, {"l"});
    ASSERT_TRUE(l.ok());
    auto t = s_->client().Rpc<fs9p::Rreadlink>(fs9p::Treadlink{*l});
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->target, target);
    // Opening a symlink does not follow it either.
    EXPECT_EQ(Err(s_->Open(*l, O_RDONLY)), ELOOP);
    // Creating through a symlinked name does not follow it.
    auto root2 = s_->Walk(root_, {});
    ASSERT_TRUE(root2.ok());
    auto c = s_->client().Rpc<fs9p::Rlcreate>(fs9p::Tlcreate{*root2, "l", O_RDWR, 0644, 0});
    EXPECT_EQ(Err(c), ELOOP);
  }
  auto walked = WalkRaw({"l", "etc"});
  ASSERT_TRUE(walked.ok());
  EXPECT_EQ(walked->qids.size(), 1u);
  // The first component failing is an error, not an empty Rwalk.
  unlink(dir_.Sub("l").c_str());
  ASSERT_EQ(symlink("/", dir_.Sub("l").c_str()), 0);
  auto l = s_->Walk(root_, {"l"});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(Err(s_->client().Rpc<fs9p::Rwalk>(fs9p::Twalk{*l, s_->client().NewFid(), {"etc"}})),
            ENOTDIR);
}

// Swaps directory "a" (holding etc/passwd) with a symlink to "/" in a loop
// while walks go through "a": every walk that succeeds must land on the
// temp dir's etc/passwd, never the host's.
TEST_F(WalkTest, DirectorySwappedForSymlinkNeverLeadsOutside) {
  ASSERT_EQ(mkdir(dir_.Sub("a/etc").c_str(), 0755), 0);
  WriteFile(dir_.Sub("a/etc/passwd"), "fake");
  ASSERT_EQ(symlink("/", dir_.Sub("b").c_str()), 0);
  const uint64_t inside = InoOf(dir_.Sub("a/etc/passwd"));
  const uint64_t host = InoOf("/etc/passwd");
  ASSERT_NE(inside, host);

  std::atomic<bool> stop{false};
  std::atomic<long> swaps{0};
  std::thread swapper([&] {
    const int d = open(dir_.path().c_str(), O_PATH | O_DIRECTORY);
    while (!stop.load()) {
      ASSERT_EQ(renameat2(d, "a", d, "b", RENAME_EXCHANGE), 0);
      swaps.fetch_add(1);
    }
    close(d);
  });
  long ok = 0, failed = 0;
  for (int i = 0; i < 20000 && !(i >= 3000 && ok > 50 && failed > 50); ++i) {
    const uint32_t nf = s_->client().NewFid();
    auto r = s_->client().Rpc<fs9p::Rwalk>(fs9p::Twalk{root_, nf, {"a", "etc", "passwd"}});
    ASSERT_TRUE(r.ok() || Err(r) == ENOTDIR || Err(r) == ENOENT) << r.status();
    if (!r.ok()) {
      ++failed;
      continue;
    }
    if (r->qids.size() == 3) {
      ++ok;
      ASSERT_EQ(InoBits(r->qids[2].path), inside);
      ASSERT_NE(InoBits(r->qids[2].path), host);
      ASSERT_TRUE(s_->Clunk(nf).ok());
    } else {
      ++failed;
    }
  }
  stop = true;
  swapper.join();
  EXPECT_GT(swaps.load(), 100);
  EXPECT_GT(ok, 0);
  EXPECT_GT(failed, 0);
}

TEST(FileServerTest, ResetDropsEveryFid) {
  TempDir dir;
  auto fs = FileServer::Create(dir.path(), {});
  ASSERT_TRUE(fs.ok());
  fs9p::Session sess{1 << 16, false};
  auto a = (*fs)->Handle(fs9p::Tattach{1, fs9p::kNoFid, "", "", fs9p::kNoUid}, sess);
  ASSERT_TRUE(std::holds_alternative<fs9p::Rattach>(a.msg));
  auto w = (*fs)->Handle(fs9p::Twalk{1, 2, {}}, sess);
  ASSERT_TRUE(std::holds_alternative<fs9p::Rwalk>(w.msg));
  (*fs)->Reset();
  for (uint32_t fid : {1u, 2u}) {
    auto g = (*fs)->Handle(fs9p::Tgetattr{fid, fs9p::kGetattrAll}, sess);
    ASSERT_TRUE(std::holds_alternative<fs9p::Rlerror>(g.msg));
    EXPECT_EQ(std::get<fs9p::Rlerror>(g.msg).ecode, static_cast<uint32_t>(EBADF));
  }
  // The fid numbers are free again.
  a = (*fs)->Handle(fs9p::Tattach{1, fs9p::kNoFid, "", "", fs9p::kNoUid}, sess);
  EXPECT_TRUE(std::holds_alternative<fs9p::Rattach>(a.msg));
  // Requests a server never passes on are refused, not crashed on.
  auto v = (*fs)->Handle(fs9p::Rclunk{}, sess);
  ASSERT_TRUE(std::holds_alternative<fs9p::Rlerror>(v.msg));
  EXPECT_EQ(std::get<fs9p::Rlerror>(v.msg).ecode, static_cast<uint32_t>(EINVAL));
}

// Many threads use, clunk and re-create the same fid numbers at once; every
// reply is a success or EBADF, never a crash (run under ASan in test-asan).
TEST(FileServerTest, ConcurrentUseAndClunkOfOneFid) {
  TempDir dir;
  WriteFile(dir.Sub("f"), "payload");
  auto fs = FileServer::Create(dir.path(), {});
  ASSERT_TRUE(fs.ok());
  fs9p::Session sess{1 << 16, false};
  ASSERT_TRUE(std::holds_alternative<fs9p::Rattach>(
      (*fs)->Handle(fs9p::Tattach{1, fs9p::kNoFid, "", "", fs9p::kNoUid}, sess).msg));
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        fs9p::Message m;
        switch ((i + t) % 5) {
          case 0: m = fs9p::Twalk{1, 7, {"f"}}; break;
          case 1: m = fs9p::Tlopen{7, O_RDONLY}; break;
          case 2: m = fs9p::Tread{7, 0, 100}; break;
          case 3: m = fs9p::Tgetattr{7, fs9p::kGetattrAll}; break;
          default: m = fs9p::Tclunk{7}; break;
        }
        auto r = (*fs)->Handle(m, sess);
        if (auto* e = std::get_if<fs9p::Rlerror>(&r.msg)) {
          if (e->ecode != EBADF && e->ecode != EIO) bad.fetch_add(1);
        } else if (auto* rd = std::get_if<fs9p::Rread>(&r.msg)) {
          if (rd->data.bytes != "payload") bad.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace gofer::testing
