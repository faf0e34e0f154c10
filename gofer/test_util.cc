#include "gofer/test_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "fs9p/errors.h"
#include "gtest/gtest.h"

namespace gofer::testing {

TempDir::TempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/gofer_test.XXXXXX";
  char* p = mkdtemp(tmpl.data());
  EXPECT_NE(p, nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  nftw(
      path_.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return remove(p) == 0 ? 0 : 0; },
      64, FTW_DEPTH | FTW_PHYS);
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  ASSERT_TRUE(f.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int Err(const absl::Status& s) { return fs9p::ErrnoOf(s); }

namespace {

std::pair<base::UniqueFd, base::UniqueFd> SocketPair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {base::UniqueFd(fds[0]), base::UniqueFd(fds[1])};
}

}  // namespace

std::unique_ptr<Session> Session::InProcess(const std::string& root, FileServer::Options o,
                                            fs9p::Client::Options co) {
  auto s = std::unique_ptr<Session>(new Session());
  absl::StatusOr<std::unique_ptr<FileServer>> fs = FileServer::Create(root, o);
  EXPECT_TRUE(fs.ok()) << fs.status();
  if (!fs.ok()) return nullptr;
  s->fs_ = *std::move(fs);
  s->server_ = std::make_unique<fs9p::Server>(*s->fs_, fs9p::Server::Options{});
  auto [a, b] = SocketPair();
  s->serve_thread_ = std::thread([srv = s->server_.get(), fd = b.release()] {
    (void)srv->Serve(base::UniqueFd(fd));
  });
  absl::StatusOr<std::unique_ptr<fs9p::Client>> c = fs9p::Client::Connect(std::move(a), co);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return nullptr;
  s->client_ = *std::move(c);
  return s;
}

std::unique_ptr<Session> Session::Spawn(const std::string& binary, std::vector<std::string> args,
                                        fs9p::Client::Options co) {
  auto s = std::unique_ptr<Session>(new Session());
  auto [a, b] = SocketPair();
  const int child_fd = 3;
  args.insert(args.begin(), binary);
  args.push_back("--fd");
  args.push_back(std::to_string(child_fd));
  std::vector<char*> argv;
  for (std::string& x : args) argv.push_back(x.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (dup2(b.get(), child_fd) < 0) _exit(126);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  EXPECT_GT(pid, 0);
  s->child_ = pid;
  b.reset();
  absl::StatusOr<std::unique_ptr<fs9p::Client>> c = fs9p::Client::Connect(std::move(a), co);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return nullptr;  // the destructor kills and reaps the child
  s->client_ = *std::move(c);
  return s;
}

int Session::HangUpAndWait() {
  client_.reset();
  if (child_ <= 0) return 0;
  int status = 0;
  EXPECT_EQ(waitpid(child_, &status, 0), child_);
  child_ = -1;
  return status;
}

Session::~Session() {
  client_.reset();
  if (serve_thread_.joinable()) serve_thread_.join();
  if (child_ > 0) {
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
  }
}

absl::StatusOr<uint32_t> Session::Attach(uint32_t n_uname) {
  uint32_t fid = client_->NewFid();
  absl::StatusOr<fs9p::Rattach> r =
      client_->Rpc<fs9p::Rattach>(fs9p::Tattach{fid, fs9p::kNoFid, "root", "", n_uname});
  if (!r.ok()) return r.status();
  return fid;
}

absl::StatusOr<uint32_t> Session::Walk(uint32_t fid, const std::vector<std::string>& names) {
  uint32_t nf = client_->NewFid();
  absl::StatusOr<fs9p::Rwalk> r = client_->Rpc<fs9p::Rwalk>(fs9p::Twalk{fid, nf, names});
  if (!r.ok()) return r.status();
  if (r->qids.size() != names.size()) return fs9p::ErrnoError(ENOENT, "partial walk");
  return nf;
}

absl::StatusOr<fs9p::Rlopen> Session::Open(uint32_t fid, uint32_t flags) {
  return client_->Rpc<fs9p::Rlopen>(fs9p::Tlopen{fid, flags});
}

absl::StatusOr<uint32_t> Session::Create(uint32_t dir, const std::string& name, uint32_t flags,
                                         uint32_t mode, uint32_t gid) {
  absl::StatusOr<uint32_t> f = Walk(dir, {});
  if (!f.ok()) return f;
  absl::StatusOr<fs9p::Rlcreate> r =
      client_->Rpc<fs9p::Rlcreate>(fs9p::Tlcreate{*f, name, flags, mode, gid});
  if (!r.ok()) {
    (void)Clunk(*f);
    return r.status();
  }
  return f;
}

absl::StatusOr<std::string> Session::Read(uint32_t fid, uint64_t offset, uint32_t count) {
  absl::StatusOr<fs9p::Rread> r = client_->Rpc<fs9p::Rread>(fs9p::Tread{fid, offset, count});
  if (!r.ok()) return r.status();
  return r->data.bytes;
}

absl::StatusOr<uint32_t> Session::Write(uint32_t fid, uint64_t offset, const std::string& data) {
  absl::StatusOr<fs9p::Rwrite> r =
      client_->Rpc<fs9p::Rwrite>(fs9p::Twrite{fid, offset, fs9p::Payload{data}});
  if (!r.ok()) return r.status();
  return r->count;
}

absl::StatusOr<std::vector<fs9p::Dirent>> Session::ReadDirAll(uint32_t fid, uint32_t count,
                                                              int* calls) {
  std::vector<fs9p::Dirent> all;
  uint64_t offset = 0;
  for (int n = 1;; ++n) {
    absl::StatusOr<fs9p::Rreaddir> r =
        client_->Rpc<fs9p::Rreaddir>(fs9p::Treaddir{fid, offset, count});
    if (!r.ok()) return r.status();
    absl::StatusOr<std::vector<fs9p::Dirent>> d = fs9p::ParseDirents(r->data.bytes);
    if (!d.ok()) return d.status();
    if (calls) *calls = n;
    if (d->empty()) return all;
    offset = d->back().offset;
    for (fs9p::Dirent& e : *d) all.push_back(std::move(e));
  }
}

absl::StatusOr<fs9p::Rgetattr> Session::Getattr(uint32_t fid) {
  return client_->Rpc<fs9p::Rgetattr>(fs9p::Tgetattr{fid, fs9p::kGetattrAll});
}

absl::Status Session::Clunk(uint32_t fid) {
  return client_->Rpc<fs9p::Rclunk>(fs9p::Tclunk{fid}).status();
}

}  // namespace gofer::testing
