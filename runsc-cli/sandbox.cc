#include "runsc-cli/sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "runsc-cli/boot_spec.h"
#include "runsc-cli/errors.h"
#include "sentry/control/client.h"

namespace runsc {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", GoStrerror(errno)));
}

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<size_t>(n));
  return p.substr(0, p.rfind('/'));
}

std::string FindBinary(const char* name, const char* build_path) {
  std::string beside = SelfDir() + "/" + name;
  if (access(beside.c_str(), X_OK) == 0) return beside;
  return build_path;
}

absl::StatusOr<base::UniqueFd> Listen(const std::string& path) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("control socket path too long: ", path));
  }
  memcpy(addr.sun_path, path.data(), path.size());
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Errno("socket");
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Errno("bind " + path);
  }
  if (listen(fd.get(), 16) != 0) return Errno("listen " + path);
  return fd;
}

// In a forked child: moves `fds` to 3, 4, ... and closes everything above.
void PlaceFds(const std::vector<int>& fds) {
  std::vector<int> high;
  for (int fd : fds) high.push_back(fcntl(fd, F_DUPFD, 100));
  for (size_t i = 0; i < high.size(); ++i) dup2(high[i], static_cast<int>(3 + i));
  close_range(static_cast<unsigned>(3 + fds.size()), ~0U, 0);
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Forks a child that calls setsid, places `fds` at 3.., optionally
// redirects stdio to `log_path`, and execs argv.
absl::StatusOr<pid_t> Spawn(std::vector<std::string> argv, const std::vector<int>& fds,
                            const std::string& log_path) {
  auto cargv = CStrings(argv);
  pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    setsid();
    if (!log_path.empty()) {
      int null = open("/dev/null", O_RDONLY);
      int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(null, 0);
      dup2(log, 1);
      dup2(log, 2);
    }
    PlaceFds(fds);
    signal(SIGPIPE, SIG_DFL);
    execv(cargv[0], cargv.data());
    dprintf(2, "runsc: exec %s: %s\n", cargv[0], GoStrerror(errno).c_str());
    _exit(127);
  }
  return pid;
}

// The exit status of child `pid` if it ends within `timeout`.
std::optional<int> ReapWithin(pid_t pid, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  int status;
  while (absl::Now() < deadline) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0 && errno != EINTR) return std::nullopt;
    usleep(2000);
  }
  return std::nullopt;
}

}  // namespace

std::string DefaultSentryBinary() { return FindBinary("sentry", RUNSC_SENTRY_BUILD_PATH); }
std::string DefaultGoferBinary() { return FindBinary("gofer", RUNSC_GOFER_BUILD_PATH); }
std::string ControlSocketPath(const std::string& dir) { return dir + "/control.sock"; }
std::string ExitStatusPath(const std::string& dir) { return dir + "/exit_status"; }

absl::StatusOr<Sandbox> StartSandbox(const std::string& dir, const OciConfig& config,
                                     const SandboxOptions& opts) {
  Sandbox sb;
  base::UniqueFd gofer_end;  // the Sentry's end
  if (kSentryServesRootfs) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Errno("socketpair");
    base::UniqueFd gofer_side(sv[1]);
    gofer_end.reset(sv[0]);
    std::vector<std::string> argv = {opts.gofer_binary, "--root", config.root_path};
    if (config.root_readonly) argv.push_back("--ro");
    for (const auto& m : config.mounts) {
      if (!m.bind()) continue;
      argv.push_back("--mount");
      argv.push_back(m.source + ":" + m.destination + (m.read_only() ? ":ro" : ""));
    }
    argv.insert(argv.end(), {"--fd", "3"});
    auto pid = Spawn(argv, {gofer_side.get()}, dir + "/gofer.log");
    if (!pid.ok()) return pid.status();
    sb.gofer = ProcessRef::Of(*pid);
  }

  BootSpecOptions bopts{.with_rootfs = kSentryServesRootfs,
                        .overlay = opts.overlay,
                        .gofer_fd = gofer_end ? 5 : -1};
  std::string spec_path = dir + "/boot.json";
  {
    std::ofstream out(spec_path, std::ios::trunc);
    out << MakeBootSpec(config, bopts).dump() << "\n";
    if (!out.flush()) {
      (void)KillSandbox({}, sb.gofer);
      return Errno("write " + spec_path);
    }
  }
  auto listen_fd = Listen(ControlSocketPath(dir));
  base::UniqueFd status_fd(
      open(ExitStatusPath(dir).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!listen_fd.ok() || !status_fd) {
    (void)KillSandbox({}, sb.gofer);
    return listen_fd.ok() ? Errno("open " + ExitStatusPath(dir)) : listen_fd.status();
  }
  std::vector<int> fds = {listen_fd->get(), status_fd.get()};
  if (gofer_end) fds.push_back(gofer_end.get());
  std::vector<std::string> argv = {opts.sentry_binary, "--spec",       spec_path,
                                   "--platform",       opts.platform, "--control-fd",
                                   "3",                "--exit-status-fd", "4"};
  auto pid = Spawn(argv, fds, "");
  listen_fd->reset();  // the Sentry's copy is now the only listener
  status_fd.reset();
  gofer_end.reset();
  if (!pid.ok()) {
    (void)KillSandbox({}, sb.gofer);
    return pid.status();
  }
  sb.sentry = ProcessRef::Of(*pid);

  sentry::control::Request req;
  req.mutable_state();
  auto resp = ControlCall(dir, req, absl::Seconds(60));
  if (resp.ok() && resp->status() == sentry::control::STATUS_CREATED) return sb;

  std::string why;
  if (auto code = ReapWithin(*pid, absl::Seconds(5))) {
    why = absl::StrCat("sentry exited with status ", *code);
  } else {
    why = resp.ok() ? "sentry is not in the created state" : std::string(resp.status().message());
  }
  (void)KillSandbox(sb.sentry, sb.gofer);
  ReapWithin(*pid, absl::Seconds(1));
  return absl::InternalError("sandbox failed to start: " + why);
}

absl::StatusOr<sentry::control::Response> ControlCall(const std::string& dir,
                                                      const sentry::control::Request& req,
                                                      absl::Duration timeout) {
  auto client = sentry::control::ControlClient::Connect(ControlSocketPath(dir));
  if (!client.ok()) return client.status();
  auto resp = client->Call(req, timeout);
  if (!resp.ok()) return resp.status();
  if (!resp->error().empty()) return absl::FailedPreconditionError(resp->error());
  return resp;
}

absl::Status KillSandbox(const ProcessRef& sentry, const ProcessRef& gofer,
                         absl::Duration timeout) {
  for (const ProcessRef* p : {&sentry, &gofer}) {
    if (p->Alive()) kill(p->pid, SIGKILL);
  }
  absl::Time deadline = absl::Now() + timeout;
  while (sentry.Alive() || gofer.Alive()) {
    // Alive() counts a zombie (an unreaped child of ours) as gone.
    if (absl::Now() > deadline) return absl::DeadlineExceededError("container init still running");
    usleep(5000);
  }
  return absl::OkStatus();
}

std::optional<int> RecordedExitCode(const std::string& dir) {
  std::ifstream in(ExitStatusPath(dir));
  int code;
  if (in >> code) return code;
  return std::nullopt;
}

}  // namespace runsc
