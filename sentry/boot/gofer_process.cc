#include "sentry/boot/gofer_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "spdlog/spdlog.h"

namespace sentry::boot {

absl::StatusOr<std::unique_ptr<GoferProcess>> GoferProcess::Spawn(const std::string& binary,
                                                                 const std::string& root,
                                                                 bool read_only) {
  constexpr int kChildFd = 3;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return absl::ErrnoToStatus(errno, "socketpair");
  }
  base::UniqueFd mine(sv[0]), theirs(sv[1]);
  std::vector<std::string> args = {binary, "--root", root};
  if (read_only) args.push_back("--ro");
  if (geteuid() != 0) {
    spdlog::warn("not root: the gofer runs without its mount namespace confinement");
    args.push_back("--no-confine");
  }
  args.push_back("--fd");
  args.push_back(std::to_string(kChildFd));
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) return absl::ErrnoToStatus(errno, "/dev/null");
  base::UniqueFd null_fd(devnull);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    if (theirs.get() == kChildFd) {
      if (fcntl(kChildFd, F_SETFD, 0) != 0) _exit(126);
    } else if (dup2(theirs.get(), kChildFd) != kChildFd) {
      _exit(126);
    }
    if (dup2(null_fd.get(), 0) != 0 || dup2(null_fd.get(), 1) != 1) _exit(126);
    // Nothing else of the Sentry's (the app's host FDs among them).
    if (syscall(SYS_close_range, kChildFd + 1, ~0U, 0) != 0) {
      for (int fd = kChildFd + 1; fd < 1024; ++fd) close(fd);
    }
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return std::unique_ptr<GoferProcess>(new GoferProcess(pid, std::move(mine)));
}

void GoferProcess::Stop() {
  if (pid_ <= 0) return;
  sock_.reset();
  kill(pid_, SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string DefaultGoferBinary(const std::string& sentry_exe) {
  size_t slash = sentry_exe.rfind('/');
  if (slash != std::string::npos) {
    std::string candidate = sentry_exe.substr(0, slash) + "/../../gofer/gofer";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "", ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/gofer");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "gofer";
}

}  // namespace sentry::boot
