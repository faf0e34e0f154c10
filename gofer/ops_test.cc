// Each 9P operation against the same operation done directly on the host
// directory. Runs against an in-process FileServer and against the real
// `gofer` binary (confined, under its seccomp policy: a syscall missing
// from the allowlist kills it, and the test sees that).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "gofer/test_util.h"
#include "gtest/gtest.h"

namespace gofer::testing {
namespace {

uint64_t InoBits(uint64_t p) { return p & ((uint64_t{1} << 48) - 1); }

struct stat Lstat(const std::string& p) {
  struct stat st = {};
  EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
  return st;
}

enum class Mode { kInProcess, kBinary };

class OpsTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    Connect(fs9p::kNoUid);
  }
  void Connect(uint32_t uid, bool fd_donation = false) {
    s_.reset();
    fs9p::Client::Options co;
    co.fd_donation = fd_donation;
    if (GetParam() == Mode::kInProcess) {
      s_ = Session::InProcess(dir_.path(), {}, co);
    } else {
      // --debug: every failed request is logged, so logging runs under seccomp too.
      s_ = Session::Spawn(GOFER_BINARY, {"--root", dir_.path(), "--debug"}, co);
    }
    ASSERT_NE(s_, nullptr);
    auto r = s_->Attach(uid);
    ASSERT_TRUE(r.ok()) << r.status();
    root_ = *r;
  }
  void TearDown() override {
    if (GetParam() == Mode::kBinary && s_) {
      int status = s_->HangUpAndWait();
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "gofer died: status " << status << (WIFSIGNALED(status) ? " signal " : " exit ")
          << (WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
  }
  uint32_t W(const std::vector<std::string>& names) {
    auto f = s_->Walk(root_, names);
    EXPECT_TRUE(f.ok()) << f.status();
    return f.ok() ? *f : 0;
  }
  template <class R>
  absl::StatusOr<R> Rpc(fs9p::Message m) {
    return s_->client().Rpc<R>(std::move(m));
  }

  TempDir dir_;
  std::unique_ptr<Session> s_;
  uint32_t root_ = 0;
};

TEST_P(OpsTest, CreateWriteReadBack) {
  auto f = s_->Create(root_, "f", O_RDWR | O_CREAT, 0640);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(Lstat(dir_.Sub("f")).st_mode, S_IFREG | 0640u);
  ASSERT_EQ(*s_->Write(*f, 0, "hello"), 5u);
  ASSERT_EQ(*s_->Write(*f, 10, "world"), 5u);
  const std::string want = std::string("hello") + std::string(5, '\0') + "world";
  EXPECT_EQ(ReadFile(dir_.Sub("f")), want);
  EXPECT_EQ(*s_->Read(*f, 0, 100), want);
  EXPECT_EQ(*s_->Read(*f, 12, 2), "rl");
  EXPECT_EQ(*s_->Read(*f, 100, 10), "");
  // Exclusive create of an existing name fails.
  EXPECT_EQ(Err(s_->Create(root_, "f", O_RDWR | O_CREAT | O_EXCL, 0640)), EEXIST);
  // A second open for reading only cannot write.
  uint32_t r = W({"f"});
  ASSERT_TRUE(s_->Open(r, O_RDONLY).ok());
  EXPECT_EQ(Err(s_->Write(r, 0, "x")), EBADF);
  EXPECT_EQ(Err(s_->Open(r, O_RDONLY)), EBADF) << "already open";
  // Truncating open.
  uint32_t t = W({"f"});
  ASSERT_TRUE(s_->Open(t, O_WRONLY | O_TRUNC).ok());
  EXPECT_EQ(Lstat(dir_.Sub("f")).st_size, 0);
}

TEST_P(OpsTest, FdDonationOnlyWhenNegotiated) {
  WriteFile(dir_.Sub("f"), "donated");
  auto plain = s_->client().Call(fs9p::Tlopen{W({"f"}), O_RDONLY});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->fd.valid());
  Connect(fs9p::kNoUid, /*fd_donation=*/true);
  ASSERT_TRUE(s_->client().fd_donation());
  auto r = s_->client().Call(fs9p::Tlopen{W({"f"}), O_RDONLY});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->fd.valid());
  char buf[16] = {};
  EXPECT_EQ(pread(r->fd.get(), buf, sizeof(buf), 0), 7);
  EXPECT_EQ(std::string(buf), "donated");
  // Directories are never donated.
  auto d = s_->client().Call(fs9p::Tlopen{W({}), O_RDONLY});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->fd.valid());
}

TEST_P(OpsTest, GetattrMatchesLstat) {
  WriteFile(dir_.Sub("f"), "12345");
  ASSERT_EQ(symlink("f", dir_.Sub("l").c_str()), 0);
  for (const char* name : {"f", "l"}) {
    auto a = s_->Getattr(W({name}));
    ASSERT_TRUE(a.ok());
    struct stat st = Lstat(dir_.Sub(name));
    EXPECT_EQ(a->mode, st.st_mode);
    EXPECT_EQ(a->uid, st.st_uid);
    EXPECT_EQ(a->gid, st.st_gid);
    EXPECT_EQ(a->nlink, st.st_nlink);
    EXPECT_EQ(a->size, static_cast<uint64_t>(st.st_size));
    EXPECT_EQ(a->blocks, static_cast<uint64_t>(st.st_blocks));
    EXPECT_EQ(a->mtime_sec, static_cast<uint64_t>(st.st_mtim.tv_sec));
    EXPECT_EQ(a->mtime_nsec, static_cast<uint64_t>(st.st_mtim.tv_nsec));
    EXPECT_EQ(InoBits(a->qid.path), st.st_ino);
    EXPECT_EQ(a->qid.type, S_ISLNK(st.st_mode) ? fs9p::kQidSymlink : fs9p::kQidFile);
    EXPECT_EQ(a->valid & fs9p::kGetattrBasic, fs9p::kGetattrBasic);
  }
  auto d = s_->Getattr(root_);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->qid.type, fs9p::kQidDir);
  EXPECT_TRUE(S_ISDIR(d->mode));
}

TEST_P(OpsTest, SetattrChangesTheHostFile) {
  WriteFile(dir_.Sub("f"), "123456789");
  uint32_t f = W({"f"});
  fs9p::Tsetattr t{};
  t.fid = f;
  t.valid = fs9p::kSetattrMode | fs9p::kSetattrUid | fs9p::kSetattrGid | fs9p::kSetattrSize |
            fs9p::kSetattrAtime | fs9p::kSetattrAtimeSet | fs9p::kSetattrMtime |
            fs9p::kSetattrMtimeSet;
  t.mode = 0604;
  t.uid = 1234;
  t.gid = 5678;
  t.size = 3;
  t.atime_sec = 1000;
  t.atime_nsec = 5;
  t.mtime_sec = 2000;
  t.mtime_nsec = 7;
  ASSERT_TRUE(Rpc<fs9p::Rsetattr>(t).ok());
  struct stat st = Lstat(dir_.Sub("f"));
  EXPECT_EQ(st.st_mode, S_IFREG | 0604u);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_size, 3);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_atim.tv_nsec, 5);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 7);
  // Times without *_SET mean "now".
  t.valid = fs9p::kSetattrMtime;
  ASSERT_TRUE(Rpc<fs9p::Rsetattr>(t).ok());
  EXPECT_GT(Lstat(dir_.Sub("f")).st_mtim.tv_sec, time(nullptr) - 60);
  EXPECT_EQ(Lstat(dir_.Sub("f")).st_atim.tv_sec, 1000) << "atime untouched";
  // Truncate of a directory.
  t = {};
  t.fid = W({});
  t.valid = fs9p::kSetattrSize;
  EXPECT_EQ(Err(Rpc<fs9p::Rsetattr>(t)), EISDIR);
}

TEST_P(OpsTest, ReaddirOfAThousandEntriesGivesEachNameOnce) {
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 1000; ++i) {
    std::string name = "entry_with_a_longish_name_" + std::to_string(i);
    WriteFile(dir_.Sub(name), "");
    want.insert(name);
  }
  uint32_t d = W({});
  ASSERT_TRUE(s_->Open(d, O_RDONLY | O_DIRECTORY).ok());
  int calls = 0;
  auto entries = s_->ReadDirAll(d, 1024, &calls);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::multiset<std::string> got;
  for (const fs9p::Dirent& e : *entries) {
    got.insert(e.name);
    if (e.name[0] != '.') {
      EXPECT_EQ(e.type, DT_REG);
      EXPECT_EQ(InoBits(e.qid.path), Lstat(dir_.Sub(e.name)).st_ino);
    }
  }
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  EXPECT_GT(calls, 20);
  // Reading from a remembered offset resumes there.
  auto first = Rpc<fs9p::Rreaddir>(fs9p::Treaddir{d, 0, 200});
  ASSERT_TRUE(first.ok());
  auto parsed = fs9p::ParseDirents(first->data.bytes);
  ASSERT_TRUE(parsed.ok());
  ASSERT_GE(parsed->size(), 2u);
  auto again = Rpc<fs9p::Rreaddir>(fs9p::Treaddir{d, (*parsed)[0].offset, 200});
  ASSERT_TRUE(again.ok());
  auto parsed2 = fs9p::ParseDirents(again->data.bytes);
  ASSERT_TRUE(parsed2.ok());
  ASSERT_FALSE(parsed2->empty());
  EXPECT_EQ((*parsed2)[0].name, (*parsed)[1].name);
  // Not on an unopened fid.
  EXPECT_EQ(Err(Rpc<fs9p::Rreaddir>(fs9p::Treaddir{W({}), 0, 1000})), EBADF);
}

TEST_P(OpsTest, NamespaceOperations) {
  WriteFile(dir_.Sub("f"), "data");
  // mkdir
  auto md = Rpc<fs9p::Rmkdir>(fs9p::Tmkdir{root_, "d", 0750, 0});
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(Lstat(dir_.Sub("d")).st_mode, S_IFDIR | 0750u);
  EXPECT_EQ(md->qid.type, fs9p::kQidDir);
  EXPECT_EQ(Err(Rpc<fs9p::Rmkdir>(fs9p::Tmkdir{root_, "d", 0750, 0})), EEXIST);
  // Trename moves the fid's file, and the fid follows it.
  uint32_t f = W({"f"});
  ASSERT_TRUE(Rpc<fs9p::Rrename>(fs9p::Trename{f, W({"d"}), "g"}).ok());
  EXPECT_EQ(ReadFile(dir_.Sub("d/g")), "data");
  struct stat st;
  EXPECT_NE(lstat(dir_.Sub("f").c_str(), &st), 0);
  ASSERT_TRUE(s_->Open(f, O_RDONLY).ok());
  EXPECT_EQ(*s_->Read(f, 0, 10), "data");
  // Trenameat
  ASSERT_TRUE(Rpc<fs9p::Rrenameat>(fs9p::Trenameat{W({"d"}), "g", root_, "h"}).ok());
  EXPECT_EQ(ReadFile(dir_.Sub("h")), "data");
  EXPECT_EQ(Err(Rpc<fs9p::Rrenameat>(fs9p::Trenameat{root_, "h", root_, "../x"})), EINVAL);
  EXPECT_EQ(Err(Rpc<fs9p::Rrenameat>(fs9p::Trenameat{root_, "..", root_, "x"})), EINVAL);
  // Tlink
  ASSERT_TRUE(Rpc<fs9p::Rlink>(fs9p::Tlink{W({"d"}), W({"h"}), "hard"}).ok());
  EXPECT_EQ(Lstat(dir_.Sub("d/hard")).st_ino, Lstat(dir_.Sub("h")).st_ino);
  EXPECT_EQ(Lstat(dir_.Sub("h")).st_nlink, 2u);
  EXPECT_EQ(Err(Rpc<fs9p::Rlink>(fs9p::Tlink{root_, W({"d"}), "dirlink"})), EPERM);
  // Tsymlink
  auto sl = Rpc<fs9p::Rsymlink>(fs9p::Tsymlink{root_, "s", "/etc/passwd", 0});
  ASSERT_TRUE(sl.ok());
  EXPECT_EQ(sl->qid.type, fs9p::kQidSymlink);
  char buf[64] = {};
  EXPECT_EQ(readlink(dir_.Sub("s").c_str(), buf, sizeof(buf)), 11);
  EXPECT_EQ(std::string(buf), "/etc/passwd");
  // Tmknod: FIFO and regular file.
  auto fifo = Rpc<fs9p::Rmknod>(fs9p::Tmknod{root_, "p", S_IFIFO | 0600, 0, 0, 0});
  ASSERT_TRUE(fifo.ok()) << fifo.status();
  EXPECT_EQ(Lstat(dir_.Sub("p")).st_mode, S_IFIFO | 0600u);
  // Opening the FIFO never blocks the gofer.
  EXPECT_TRUE(s_->Open(W({"p"}), O_RDONLY).ok());
  ASSERT_TRUE(Rpc<fs9p::Rmknod>(fs9p::Tmknod{root_, "r", S_IFREG | 0600, 0, 0, 0}).ok());
  EXPECT_TRUE(S_ISREG(Lstat(dir_.Sub("r")).st_mode));
  // Tunlinkat: a file, a non-empty dir, then the dir.
  ASSERT_TRUE(Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{root_, "r", 0}).ok());
  EXPECT_NE(lstat(dir_.Sub("r").c_str(), &st), 0);
  EXPECT_EQ(Err(Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{root_, "d", 0})), EISDIR);
  EXPECT_EQ(Err(Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{root_, "d", 0x200})), ENOTEMPTY);
  ASSERT_TRUE(Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{W({"d"}), "hard", 0}).ok());
  ASSERT_TRUE(Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{root_, "d", 0x200}).ok());
  EXPECT_NE(lstat(dir_.Sub("d").c_str(), &st), 0);
  // Tremove removes and clunks.
  uint32_t s = W({"s"});
  ASSERT_TRUE(Rpc<fs9p::Rremove>(fs9p::Tremove{s}).ok());
  EXPECT_NE(lstat(dir_.Sub("s").c_str(), &st), 0);
  EXPECT_EQ(Err(s_->Getattr(s)), EBADF);
  EXPECT_EQ(Err(Rpc<fs9p::Rremove>(fs9p::Tremove{W({})})), EBUSY);
}

TEST_P(OpsTest, FidsFollowRenamesByName) {
  WriteFile(dir_.Sub("a"), "content a");
  ASSERT_EQ(mkdir(dir_.Sub("d").c_str(), 0755), 0);
  WriteFile(dir_.Sub("d/f"), "content f");
  uint32_t a = W({"a"}), f = W({"d", "f"}), a2 = W({"a"});
  ASSERT_TRUE(Rpc<fs9p::Rrenameat>(fs9p::Trenameat{root_, "a", W({"d"}), "b"}).ok());
  ASSERT_TRUE(Rpc<fs9p::Rrenameat>(fs9p::Trenameat{root_, "d", root_, "e"}).ok());
  // Both fids on the renamed file still open it, and so does the file in
  // the renamed directory.
  ASSERT_TRUE(s_->Open(a, O_RDONLY).ok());
  EXPECT_EQ(*s_->Read(a, 0, 100), "content a");
  ASSERT_TRUE(s_->Open(a2, O_RDWR).ok());
  ASSERT_TRUE(s_->Write(a2, 0, "C").ok());
  EXPECT_EQ(ReadFile(dir_.Sub("e/b")), "Content a");
  ASSERT_TRUE(s_->Open(f, O_RDONLY).ok());
  EXPECT_EQ(*s_->Read(f, 0, 100), "content f");
  // A name reused by another file: the old fid does not open the new file.
  WriteFile(dir_.Sub("g"), "old g");
  uint32_t g = W({"g"});
  ASSERT_TRUE(Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{root_, "g", 0}).ok());
  WriteFile(dir_.Sub("g"), "new g");
  int err = Err(s_->Open(g, O_RDONLY));
  EXPECT_TRUE(err == ESTALE || err == ENOENT) << err;
  uint32_t g2 = W({"g"});
  ASSERT_TRUE(s_->Open(g2, O_RDONLY).ok());
  EXPECT_EQ(*s_->Read(g2, 0, 100), "new g");
  // '..' from a renamed directory's file is the new parent.
  auto up = s_->Walk(root_, {"e", "b", ".."});
  ASSERT_FALSE(up.ok()) << "walking from a file";
  auto e_up = s_->Walk(W({"e"}), {".."});
  ASSERT_TRUE(e_up.ok());
  EXPECT_EQ(s_->Getattr(*e_up)->qid, s_->Getattr(root_)->qid);
}

TEST_P(OpsTest, StatfsMatchesHost) {
  auto r = Rpc<fs9p::Rstatfs>(fs9p::Tstatfs{root_});
  ASSERT_TRUE(r.ok());
  struct statfs sf;
  ASSERT_EQ(statfs(dir_.path().c_str(), &sf), 0);
  EXPECT_EQ(r->type, static_cast<uint32_t>(sf.f_type));
  EXPECT_EQ(r->bsize, static_cast<uint32_t>(sf.f_bsize));
  EXPECT_EQ(r->blocks, sf.f_blocks);
  EXPECT_EQ(r->files, sf.f_files);
  EXPECT_EQ(r->namelen, static_cast<uint32_t>(sf.f_namelen));
}

TEST_P(OpsTest, UserXattrs) {
  WriteFile(dir_.Sub("f"), "");
  uint32_t f = W({"f"});
  ASSERT_TRUE(Rpc<fs9p::Rxattrcreate>(fs9p::Txattrcreate{f, "user.k", 5, 0}).ok());
  ASSERT_EQ(*s_->Write(f, 0, "va"), 2u);
  ASSERT_EQ(*s_->Write(f, 2, "lue"), 3u);
  EXPECT_EQ(Err(s_->Write(f, 4, "xx")), EINVAL) << "beyond the announced size";
  ASSERT_TRUE(s_->Clunk(f).ok());
  char buf[16] = {};
  ASSERT_EQ(getxattr(dir_.Sub("f").c_str(), "user.k", buf, sizeof(buf)), 5);
  EXPECT_EQ(std::string(buf), "value");
  ASSERT_EQ(setxattr(dir_.Sub("f").c_str(), "user.other", "zz", 2, 0), 0);
  // Read one value.
  uint32_t x = s_->client().NewFid();
  auto w = Rpc<fs9p::Rxattrwalk>(fs9p::Txattrwalk{W({"f"}), x, "user.k"});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->size, 5u);
  EXPECT_EQ(*s_->Read(x, 0, 100), "value");
  EXPECT_EQ(*s_->Read(x, 3, 100), "ue");
  // List names.
  uint32_t l = s_->client().NewFid();
  auto lw = Rpc<fs9p::Rxattrwalk>(fs9p::Txattrwalk{W({"f"}), l, ""});
  ASSERT_TRUE(lw.ok());
  std::string names = *s_->Read(l, 0, 1000);
  EXPECT_NE(names.find(std::string("user.k\0", 7)), std::string::npos) << names;
  EXPECT_NE(names.find(std::string("user.other\0", 11)), std::string::npos);
  EXPECT_EQ(Err(Rpc<fs9p::Rxattrwalk>(fs9p::Txattrwalk{W({"f"}), s_->client().NewFid(),
                                                       "user.missing"})),
            ENODATA);
  // newfid == fid turns the fid itself into the xattr fid.
  uint32_t same = W({"f"});
  auto sw = Rpc<fs9p::Rxattrwalk>(fs9p::Txattrwalk{same, same, "user.other"});
  ASSERT_TRUE(sw.ok()) << sw.status();
  EXPECT_EQ(*s_->Read(same, 0, 10), "zz");
  EXPECT_EQ(Err(s_->Open(same, O_RDONLY)), EBADF) << "no longer a path fid";
  // XATTR_CREATE on an existing one fails at clunk.
  uint32_t c = W({"f"});
  ASSERT_TRUE(Rpc<fs9p::Rxattrcreate>(fs9p::Txattrcreate{c, "user.k", 1, XATTR_CREATE}).ok());
  ASSERT_EQ(*s_->Write(c, 0, "z"), 1u);
  EXPECT_EQ(Err(s_->Clunk(c)), EEXIST);
  // Size 0 with XATTR_REPLACE removes.
  uint32_t rm = W({"f"});
  ASSERT_TRUE(Rpc<fs9p::Rxattrcreate>(fs9p::Txattrcreate{rm, "user.k", 0, XATTR_REPLACE}).ok());
  ASSERT_TRUE(s_->Clunk(rm).ok());
  EXPECT_EQ(getxattr(dir_.Sub("f").c_str(), "user.k", buf, sizeof(buf)), -1);
  EXPECT_EQ(errno, ENODATA);
  // Directories too.
  uint32_t d = W({});
  ASSERT_TRUE(Rpc<fs9p::Rxattrcreate>(fs9p::Txattrcreate{d, "user.dir", 1, 0}).ok());
  ASSERT_EQ(*s_->Write(d, 0, "d"), 1u);
  ASSERT_TRUE(s_->Clunk(d).ok());
  EXPECT_EQ(getxattr(dir_.path().c_str(), "user.dir", buf, sizeof(buf)), 1);
}

TEST_P(OpsTest, LocksConflictBetweenOpenFids) {
  WriteFile(dir_.Sub("f"), "0123456789");
  uint32_t a = W({"f"}), b = W({"f"});
  ASSERT_TRUE(s_->Open(a, O_RDWR).ok());
  ASSERT_TRUE(s_->Open(b, O_RDWR).ok());
  auto la = Rpc<fs9p::Rlock>(fs9p::Tlock{a, fs9p::kLockTypeWrite, 0, 2, 3, 1, "c"});
  ASSERT_TRUE(la.ok());
  EXPECT_EQ(la->status, fs9p::kLockSuccess);
  auto lb = Rpc<fs9p::Rlock>(fs9p::Tlock{b, fs9p::kLockTypeRead, fs9p::kLockFlagBlock, 3, 1, 2, "c"});
  ASSERT_TRUE(lb.ok());
  EXPECT_EQ(lb->status, fs9p::kLockBlocked);
  auto lc = Rpc<fs9p::Rlock>(fs9p::Tlock{b, fs9p::kLockTypeWrite, 0, 5, 1, 2, "c"});
  ASSERT_TRUE(lc.ok());
  EXPECT_EQ(lc->status, fs9p::kLockSuccess) << "a disjoint range";
  auto g = Rpc<fs9p::Rgetlock>(fs9p::Tgetlock{b, fs9p::kLockTypeRead, 0, 10, 2, "c"});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->type, fs9p::kLockTypeWrite);
  EXPECT_EQ(g->start, 2u);
  EXPECT_EQ(g->length, 3u);
  // The host sees the lock too.
  int fd = open(dir_.Sub("f").c_str(), O_RDWR);
  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 10;
  ASSERT_EQ(fcntl(fd, F_OFD_GETLK, &fl), 0);
  EXPECT_NE(fl.l_type, F_UNLCK);
  close(fd);
  ASSERT_EQ(Rpc<fs9p::Rlock>(fs9p::Tlock{a, fs9p::kLockTypeUnlock, 0, 2, 3, 1, "c"})->status,
            fs9p::kLockSuccess);
  EXPECT_EQ(Rpc<fs9p::Rlock>(fs9p::Tlock{b, fs9p::kLockTypeRead, 0, 3, 1, 2, "c"})->status,
            fs9p::kLockSuccess);
  auto free_range = Rpc<fs9p::Rgetlock>(fs9p::Tgetlock{a, fs9p::kLockTypeWrite, 7, 1, 1, "c"});
  ASSERT_TRUE(free_range.ok());
  EXPECT_EQ(free_range->type, fs9p::kLockTypeUnlock);
  EXPECT_EQ(Err(Rpc<fs9p::Rlock>(fs9p::Tlock{W({"f"}), fs9p::kLockTypeRead, 0, 0, 1, 1, "c"})),
            EBADF)
      << "not open";
}

TEST_P(OpsTest, CreatedFilesBelongToTheAttachingUser) {
  Connect(/*uid=*/4321);
  ASSERT_TRUE(s_->Create(root_, "f", O_RDWR | O_CREAT, 0644, /*gid=*/8765).ok());
  ASSERT_TRUE(Rpc<fs9p::Rmkdir>(fs9p::Tmkdir{root_, "d", 0755, 8765}).ok());
  ASSERT_TRUE(Rpc<fs9p::Rsymlink>(fs9p::Tsymlink{root_, "s", "f", 8765}).ok());
  ASSERT_TRUE(Rpc<fs9p::Rmknod>(fs9p::Tmknod{root_, "p", S_IFIFO | 0644, 0, 0, 8765}).ok());
  for (const char* n : {"f", "d", "s", "p"}) {
    struct stat st = Lstat(dir_.Sub(n));
    EXPECT_EQ(st.st_uid, 4321u) << n;
    EXPECT_EQ(st.st_gid, 8765u) << n;
  }
}

TEST_P(OpsTest, FidMisuse) {
  EXPECT_EQ(Err(s_->Getattr(999)), EBADF);
  EXPECT_EQ(Err(s_->Read(root_, 0, 10)), EBADF) << "not open";
  EXPECT_EQ(Err(s_->Clunk(999)), EBADF);
  EXPECT_EQ(Err(Rpc<fs9p::Rauth>(fs9p::Tauth{5, "u", "", fs9p::kNoUid})), EOPNOTSUPP);
  EXPECT_EQ(Err(Rpc<fs9p::Rattach>(fs9p::Tattach{root_, fs9p::kNoFid, "u", "", fs9p::kNoUid})),
            EIO)
      << "fid in use";
  EXPECT_EQ(Err(Rpc<fs9p::Rattach>(fs9p::Tattach{77, fs9p::kNoFid, "u", "/other", fs9p::kNoUid})),
            ENOENT);
  ASSERT_TRUE(Rpc<fs9p::Rattach>(fs9p::Tattach{78, fs9p::kNoFid, "u", "/", fs9p::kNoUid}).ok());
  WriteFile(dir_.Sub("f"), "x");
  EXPECT_EQ(Err(Rpc<fs9p::Rlopen>(fs9p::Tlopen{W({}), O_WRONLY})), EISDIR);
  EXPECT_EQ(Err(Rpc<fs9p::Rlopen>(fs9p::Tlopen{W({"f"}), O_RDONLY | O_DIRECTORY})), ENOTDIR);
  EXPECT_EQ(Err(Rpc<fs9p::Rwalk>(fs9p::Twalk{W({"f"}), s_->client().NewFid(), {"x"}})), ENOTDIR);
}

TEST_P(OpsTest, ConcurrentWritesOnOneFid) {
  auto f = s_->Create(root_, "f", O_RDWR | O_CREAT, 0644);
  ASSERT_TRUE(f.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto n = s_->Write(*f, (t * 50 + i) * 4, std::string(4, static_cast<char>('a' + t)));
        EXPECT_TRUE(n.ok() && *n == 4u);
        auto a = s_->Getattr(*f);
        EXPECT_TRUE(a.ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::string got = ReadFile(dir_.Sub("f"));
  ASSERT_EQ(got.size(), 800u);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(got.substr(t * 200, 200), std::string(200, 'a' + t));
}

INSTANTIATE_TEST_SUITE_P(Gofer, OpsTest, ::testing::Values(Mode::kInProcess, Mode::kBinary),
                         [](const auto& info) {
                           return info.param == Mode::kInProcess ? "InProcess" : "Binary";
                         });

}  // namespace
}  // namespace gofer::testing
