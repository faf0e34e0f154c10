#include "tests/gofer/server_launcher.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/unique_fd.h"

namespace tests {

const char* ServerName(ServerKind k) {
  switch (k) {
    case ServerKind::kDiod: return "diod";
    case ServerKind::kGofer: return "gofer";
    case ServerKind::kGoferFdDonation: return "gofer_fd_donation";
  }
  return "?";
}

std::string GoferBinary() { return GOFER_BINARY; }

RunningServer::~RunningServer() {
  client_.reset();
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(ServerKind kind, const std::string& dir,
                                                           const ServerOptions& opts) {
  constexpr int kChildFd = 9;
  std::vector<std::string> argv;
  auto server = std::unique_ptr<RunningServer>(new RunningServer());
  if (kind == ServerKind::kDiod) {
    if (access("/usr/sbin/diod", X_OK) != 0) return absl::UnavailableError("diod is not installed");
    argv = {"/usr/sbin/diod", "-f", "-n", "-N", "-r", "9", "-w", "9", "-e", dir, "-L", "/dev/null"};
    if (opts.read_only) argv.insert(argv.end(), {"-o", "ro"});
    server->aname_ = dir;
  } else {
    if (access(GOFER_BINARY, X_OK) != 0) return absl::UnavailableError("gofer binary not built");
    argv = {GOFER_BINARY, "--root", dir, "--fd", "9"};
    if (opts.read_only) argv.push_back("--ro");
    server->aname_ = "";
  }
  argv.insert(argv.end(), opts.extra_args.begin(), opts.extra_args.end());

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return absl::InternalError("socketpair failed");
  }
  base::UniqueFd mine(sv[0]), theirs(sv[1]);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(theirs.get(), kChildFd);  // dup2 clears close-on-exec
    execv(args[0], args.data());
    _exit(127);
  }
  server->pid_ = pid;
  theirs.reset();
  fs9p::Client::Options co;
  co.msize = opts.msize;
  co.fd_donation = kind == ServerKind::kGoferFdDonation;
  absl::StatusOr<std::unique_ptr<fs9p::Client>> c = fs9p::Client::Connect(std::move(mine), co);
  if (!c.ok()) {
    return absl::Status(c.status().code(),
                        absl::StrCat(ServerName(kind), " did not negotiate: ", c.status().message()));
  }
  server->client_ = *std::move(c);
  return server;
}

}  // namespace tests
