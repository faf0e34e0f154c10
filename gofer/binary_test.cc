// The real `gofer` binary: confinement (its root is the served dir, `..`
// stays there, it is in its own mount namespace under seccomp), read-only
// runs, extra mounts, --socket mode and flag errors. Needs root.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "absl/strings/match.h"
#include "gofer/test_util.h"
#include "gtest/gtest.h"

namespace gofer::testing {
namespace {

uint64_t InoBits(uint64_t p) { return p & ((uint64_t{1} << 48) - 1); }

std::set<std::string> Names(Session& s, uint32_t dir) {
  auto d = s.Walk(dir, {});
  EXPECT_TRUE(d.ok());
  EXPECT_TRUE(s.Open(*d, O_RDONLY | O_DIRECTORY).ok());
  auto entries = s.ReadDirAll(*d);
  EXPECT_TRUE(entries.ok());
  std::set<std::string> names;
  for (auto& e : *entries) {
    if (e.name != "." && e.name != "..") names.insert(e.name);
  }
  return names;
}

std::string ProcField(pid_t pid, const std::string& field) {
  std::string status = ReadFile("/proc/" + std::to_string(pid) + "/status");
  size_t at = status.find(field + ":");
  if (at == std::string::npos) return "";
  size_t end = status.find('\n', at);
  std::string v = status.substr(at + field.size() + 1, end - at - field.size() - 1);
  v.erase(0, v.find_first_not_of(" \t"));
  return v;
}

void ExpectCleanExit(Session& s) {
  int status = s.HangUpAndWait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

int RunForStatus(std::vector<std::string> args, std::string* err) {
  int p[2];
  EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
  args.insert(args.begin(), GOFER_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 2);
    execv(GOFER_BINARY, argv.data());
    _exit(127);
  }
  close(p[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof(buf))) > 0) err->append(buf, n);
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(GoferBinaryTest, ServesTheRootConfined) {
  TempDir dir;
  WriteFile(dir.Sub("marker_7f3a"), "m");
  ASSERT_EQ(mkdir(dir.Sub("sub").c_str(), 0755), 0);
  ASSERT_EQ(symlink("/", dir.Sub("up").c_str()), 0);
  auto s = Session::Spawn(GOFER_BINARY, {"--root", dir.path()});
  ASSERT_NE(s, nullptr);
  auto root = s->Attach();
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(Names(*s, *root), (std::set<std::string>{"marker_7f3a", "sub", "up"}));
  // ".." from the root, however often, is the root.
  auto up = s->Walk(*root, {"..", "..", "..", "sub", "..", ".."});
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(Names(*s, *up), (std::set<std::string>{"marker_7f3a", "sub", "up"}));
  auto ra = s->Getattr(*root);
  auto ua = s->Getattr(*up);
  ASSERT_TRUE(ra.ok() && ua.ok());
  EXPECT_EQ(ra->qid, ua->qid);
  struct stat st;
  ASSERT_EQ(stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(InoBits(ra->qid.path), st.st_ino);
  // A symlink to "/" leads nowhere.
  EXPECT_EQ(Err(s->Walk(*root, {"up", "etc"})), ENOENT) << "partial walk";

  // The process itself: own mount namespace whose "/" is the served dir,
  // no_new_privs, seccomp filter mode.
  auto pid_text = ReadFile("/proc/self/task/" + std::to_string(gettid()) + "/children");
  ASSERT_FALSE(pid_text.empty());
  pid_t pid = std::stoi(pid_text);
  char own[64] = {}, its[64] = {};
  ASSERT_GT(readlink("/proc/self/ns/mnt", own, sizeof(own)), 0);
  ASSERT_GT(readlink(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), its, sizeof(its)), 0);
  EXPECT_STRNE(own, its);
  struct stat its_root;
  ASSERT_EQ(stat(("/proc/" + std::to_string(pid) + "/root/").c_str(), &its_root), 0);
  EXPECT_EQ(its_root.st_ino, st.st_ino);
  EXPECT_EQ(its_root.st_dev, st.st_dev);
  EXPECT_EQ(ProcField(pid, "NoNewPrivs"), "1");
  EXPECT_EQ(ProcField(pid, "Seccomp"), "2");
  ExpectCleanExit(*s);
}

TEST(GoferBinaryTest, ReadOnlyRunRefusesWrites) {
  TempDir dir;
  WriteFile(dir.Sub("f"), "keep");
  auto s = Session::Spawn(GOFER_BINARY, {"--root", dir.path(), "--ro"});
  ASSERT_NE(s, nullptr);
  auto root = s->Attach();
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(Err(s->Create(*root, "new", O_RDWR | O_CREAT, 0644)), EROFS);
  auto f = s->Walk(*root, {"f"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(Err(s->Open(*f, O_WRONLY | O_TRUNC)), EROFS);
  EXPECT_EQ(Err(s->client().Rpc<fs9p::Rmkdir>(fs9p::Tmkdir{*root, "d", 0755, 0})), EROFS);
  EXPECT_EQ(Err(s->client().Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{*root, "f", 0})), EROFS);
  ASSERT_TRUE(s->Open(*f, O_RDONLY).ok());
  EXPECT_EQ(*s->Read(*f, 0, 10), "keep");
  ExpectCleanExit(*s);
  EXPECT_EQ(ReadFile(dir.Sub("f")), "keep");
  struct stat st;
  EXPECT_NE(lstat(dir.Sub("new").c_str(), &st), 0);
  // The host's own mount stayed writable.
  WriteFile(dir.Sub("f"), "host can write");
}

TEST(GoferBinaryTest, ExtraMounts) {
  TempDir dir, ro_src, rw_src;
  WriteFile(ro_src.Sub("m"), "from ro mount");
  auto s = Session::Spawn(GOFER_BINARY, {"--root", dir.path(), "--ro", "--mount",
                                         ro_src.path() + ":/sub/ro:ro", "--mount",
                                         rw_src.path() + ":rw"});
  ASSERT_NE(s, nullptr);
  auto root = s->Attach();
  ASSERT_TRUE(root.ok());
  auto m = s->Walk(*root, {"sub", "ro", "m"});
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(s->Open(*m, O_RDONLY).ok());
  EXPECT_EQ(*s->Read(*m, 0, 100), "from ro mount");
  auto ro_dir = s->Walk(*root, {"sub", "ro"});
  ASSERT_TRUE(ro_dir.ok());
  EXPECT_EQ(Err(s->Create(*ro_dir, "x", O_RDWR | O_CREAT, 0644)), EROFS);
  auto rw_dir = s->Walk(*root, {"rw"});
  ASSERT_TRUE(rw_dir.ok());
  auto x = s->Create(*rw_dir, "x", O_RDWR | O_CREAT, 0644);
  ASSERT_TRUE(x.ok()) << x.status();
  ASSERT_TRUE(s->Write(*x, 0, "written").ok());
  EXPECT_EQ(Err(s->Create(*root, "y", O_RDWR | O_CREAT, 0644)), EROFS) << "root is ro";
  ExpectCleanExit(*s);
  EXPECT_EQ(ReadFile(rw_src.Sub("x")), "written");
}

TEST(GoferBinaryTest, MountTargetThroughASymlinkIsRefused) {
  TempDir dir, outside, src;
  ASSERT_EQ(symlink(outside.path().c_str(), dir.Sub("evil").c_str()), 0);
  std::string err;
  int status = RunForStatus({"--root", dir.path(), "--fd", "0", "--mount", src.path() + ":evil/x"},
                            &err);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status << err;
  struct stat st;
  EXPECT_NE(lstat(outside.Sub("x").c_str(), &st), 0) << "created outside the root";
}

TEST(GoferBinaryTest, SocketModeServesOneConnectionAfterAnother) {
  TempDir dir, sock_dir;
  WriteFile(dir.Sub("f"), "hi");
  const std::string path = sock_dir.Sub("9p.sock");
  int err_pipe[2];
  ASSERT_EQ(pipe2(err_pipe, O_CLOEXEC), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(err_pipe[1], 2);
    execl(GOFER_BINARY, GOFER_BINARY, "--root", dir.path().c_str(), "--socket", path.c_str(),
          nullptr);
    _exit(127);
  }
  close(err_pipe[1]);
  // Wait for its "listening" log line.
  std::string log;
  char c;
  while (!absl::StrContains(log, "listening") && read(err_pipe[0], &c, 1) == 1) log += c;
  ASSERT_TRUE(absl::StrContains(log, "listening")) << log;
  for (int round = 0; round < 2; ++round) {
    base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path.c_str(), path.size());
    ASSERT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    auto client = fs9p::Client::Connect(std::move(fd), {});
    ASSERT_TRUE(client.ok());
    auto a = (*client)->Rpc<fs9p::Rattach>(fs9p::Tattach{1, fs9p::kNoFid, "", "", fs9p::kNoUid});
    ASSERT_TRUE(a.ok()) << a.status();
    auto w = (*client)->Rpc<fs9p::Rwalk>(fs9p::Twalk{1, 2, {"f"}});
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->qids.size(), 1u);
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  close(err_pipe[0]);
}

TEST(GoferBinaryTest, BadFlagsExitOneWithOneLine) {
  TempDir dir;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--bogus"},
           {"--fd", "0"},
           {"--root", dir.path()},
           {"--root", dir.path(), "--fd", "5", "--socket", "/x"},
           {"--root", dir.path(), "--fd", "0", "--mount", "nocolon"},
           {"--root", dir.path() + "/missing", "--fd", "0", "--no-confine"},
       }) {
    std::string err;
    int status = RunForStatus(args, &err);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << args[0] << " " << status;
    EXPECT_TRUE(absl::StartsWith(err, "gofer: ")) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

}  // namespace
}  // namespace gofer::testing
