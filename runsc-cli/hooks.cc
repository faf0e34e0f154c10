#include "runsc-cli/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "runsc-cli/errors.h"

namespace runsc {
namespace {

std::string ReadAllFrom(int fd) {
  std::string out;
  lseek(fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

absl::Status RunHook(const OciHook& h, const std::string& name, const std::string& input) {
  base::UniqueFd out(memfd_create("hook-stdout", MFD_CLOEXEC));
  base::UniqueFd err(memfd_create("hook-stderr", MFD_CLOEXEC));
  int p[2];
  if (!out || !err || pipe2(p, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat(name, ": ", GoStrerror(errno)));
  }
  base::UniqueFd in_read(p[0]), in_write(p[1]);
  std::vector<std::string> argv = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
  std::vector<std::string> envp = h.env;
  auto cargv = CStrings(argv);
  auto cenvp = CStrings(envp);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat(name, ": fork: ", GoStrerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);  // a timeout kills the hook's whole group
    dup2(in_read.get(), 0);
    dup2(out.get(), 1);
    dup2(err.get(), 2);
    execve(h.path.c_str(), cargv.data(), cenvp.data());
    dprintf(2, "exec %s: %s", h.path.c_str(), GoStrerror(errno).c_str());
    _exit(127);
  }
  in_read.reset();
  // The hook may not read its stdin: a failed write is not its failure.
  signal(SIGPIPE, SIG_IGN);
  (void)!write(in_write.get(), input.data(), input.size());
  in_write.reset();

  absl::Time deadline = h.timeout_seconds ? absl::Now() + absl::Seconds(*h.timeout_seconds)
                                          : absl::InfiniteFuture();
  int status = 0;
  bool timed_out = false;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return absl::InternalError(name + ": waitpid failed");
    if (absl::Now() > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      timed_out = true;
      break;
    }
    usleep(2000);
  }
  std::string why;
  if (timed_out) {
    why = absl::StrCat("timed out after ", *h.timeout_seconds, "s");
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return absl::OkStatus();
  } else if (WIFEXITED(status)) {
    why = absl::StrCat("exit status ", WEXITSTATUS(status));
  } else {
    why = absl::StrCat("signal: ", strsignal(WTERMSIG(status)));
  }
  return absl::FailedPreconditionError(absl::StrCat(name, ": ", why, ", stdout: ",
                                                    ReadAllFrom(out.get()), ", stderr: ",
                                                    ReadAllFrom(err.get())));
}

}  // namespace

absl::Status RunHooks(const std::vector<OciHook>& hooks, const std::string& kind,
                      const nlohmann::ordered_json& state) {
  std::string input = state.dump();
  for (size_t i = 0; i < hooks.size(); ++i) {
    std::string name = absl::StrCat(kind, " hook #", i, " (", hooks[i].path, ")");
    if (auto s = RunHook(hooks[i], name, input); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace runsc
