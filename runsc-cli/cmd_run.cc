// runsc run <id> [--bundle DIR] [--detach] [--pid-file F]
//
// create + start; unless --detach, then waits for the container's init,
// forwarding the signals runsc receives (INT, TERM, HUP, QUIT, USR1,
// USR2) into the container, deletes the container, and exits with init's
// exit code (128+N if signal N killed it), as runc run does.
#include <signal.h>
#include <sys/wait.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "runsc-cli/commands.h"
#include "runsc-cli/container.h"
#include "runsc-cli/log.h"

namespace runsc {
namespace {

// Waits for our child `pid` (the Sentry) while forwarding signals.
int WaitForwarding(const GlobalFlags& g, const std::string& id, pid_t pid) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) {
      // Not our child after all (should not happen): ask the Sentry.
      auto code = WaitContainer(g, id);
      return code.ok() ? *code : Fail(std::string(code.status().message()));
    }
    struct timespec tick = {0, 200 * 1000 * 1000};
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig > 0 && sig != SIGCHLD) {
      absl::Status s = KillContainer(g, id, sig, false);
      if (!s.ok()) Debug(absl::StrCat("forwarding signal ", sig, ": ", s.message()));
    }
  }
}

}  // namespace

void AddRunCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  struct Opts {
    CreateOptions create;
    bool detach = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("run", "create and start a container");
  sub->add_option("id", o->create.id, "container ID")->required();
  sub->add_option("-b,--bundle", o->create.bundle, "path to the bundle directory (default: .)");
  sub->add_option("--pid-file", o->create.pid_file, "file to write the container's pid to");
  sub->add_option("--console-socket", o->create.console_socket, "unix socket for the pty master");
  sub->add_flag("-d,--detach", o->detach, "return once the container has started");
  static bool compat_flag = false;
  sub->add_flag("--no-pivot,--no-new-keyring", compat_flag, "accepted for runc compatibility");
  cmds.Add(sub, [&g, o] {
    auto st = CreateContainer(g, o->create);
    if (!st.ok()) return Fail(std::string(st.status().message()));
    if (absl::Status s = StartContainer(g, o->create.id); !s.ok()) {
      (void)DeleteContainer(g, o->create.id, /*force=*/true);
      return Fail(std::string(s.message()));
    }
    if (o->detach) return 0;
    int code = WaitForwarding(g, o->create.id, st->sentry.pid);
    if (absl::Status s = DeleteContainer(g, o->create.id, /*force=*/true); !s.ok()) {
      Warn(std::string(s.message()));
    }
    return code;
  });
}

}  // namespace runsc
