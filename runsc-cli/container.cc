#include "runsc-cli/container.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "compat/signals.h"
#include "runsc-cli/errors.h"
#include "runsc-cli/hooks.h"
#include "runsc-cli/log.h"
#include "runsc-cli/oci_config.h"
#include "runsc-cli/sandbox.h"

namespace runsc {
namespace {

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  std::string base(cwd);
  if (path.empty() || path == ".") return base;
  return base + "/" + path;
}

std::string Clean(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.size() >= 2 && p.compare(p.size() - 2, 2, "/.") == 0) p.resize(p.size() - 2);
  return p.empty() ? "/" : p;
}

absl::Status WritePidFile(const std::string& path, int pid) {
  std::string tmp = path + ".runsc-tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << pid;
    if (!out.flush()) {
      return absl::InternalError(absl::StrCat("open ", tmp, ": ", GoStrerror(errno)));
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("rename ", tmp, " ", path, ": ", GoStrerror(e)));
  }
  return absl::OkStatus();
}

SandboxOptions SandboxOptionsFrom(const GlobalFlags& g) {
  SandboxOptions o;
  o.sentry_binary = g.sentry_binary.empty() ? DefaultSentryBinary() : g.sentry_binary;
  o.gofer_binary = g.gofer_binary.empty() ? DefaultGoferBinary() : g.gofer_binary;
  o.platform = g.platform;
  o.overlay = g.overlay;
  return o;
}

OciHooks HooksOf(const ContainerState& s) {
  auto h = HooksFromJson(s.hooks);
  return h.ok() ? *h : OciHooks();
}

// Kills whatever runs and removes the directory; poststop hooks follow.
absl::Status Destroy(LockedContainer& c) {
  ContainerState st = c.state();
  if (auto s = KillSandbox(st.sentry, st.gofer); !s.ok()) return s;
  if (auto s = c.Remove(); !s.ok()) return s;
  if (auto s = RunHooks(HooksOf(st).poststop, "poststop", st.OciState("stopped")); !s.ok()) {
    Warn(std::string(s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> ParseSignal(const std::string& raw) {
  int n;
  if (absl::SimpleAtoi(raw, &n)) {
    if (n < 0 || n > compat::kMaxSignal) {
      return absl::InvalidArgumentError(absl::StrCat("unknown signal \"", raw, "\""));
    }
    return n;
  }
  std::string name;
  for (char ch : raw) name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (name.rfind("SIG", 0) != 0) name = "SIG" + name;
  if (auto sig = compat::SignalNumber(name)) return *sig;
  return absl::InvalidArgumentError(absl::StrCat("unknown signal \"", raw, "\""));
}

absl::StatusOr<ContainerState> CreateContainer(const GlobalFlags& g, const CreateOptions& o) {
  if (auto s = ValidateId(o.id); !s.ok()) return s;
  std::string bundle = Clean(Absolute(o.bundle));
  auto config = LoadBundleConfig(bundle);
  if (!config.ok()) return config.status();
  if (!o.console_socket.empty() && !config->process.terminal) {
    return absl::InvalidArgumentError("cannot use console socket if runc will not allocate tty");
  }
  for (const auto& f : config->ignored) Debug("config field without effect in the sandbox: " + f);
  std::string pid_file = o.pid_file.empty() ? "" : Absolute(o.pid_file);

  auto c = LockedContainer::Create(g.root, o.id);
  if (!c.ok()) return c.status();
  ContainerState& st = c->state();
  st.oci_version = config->oci_version;
  st.status = "created";
  st.bundle = bundle;
  st.rootfs = config->root_path;
  st.created = NowRfc3339Nano();
  st.owner = UserName(geteuid());
  st.annotations = config->annotations;
  st.hooks = HooksToJson(config->hooks);

  auto fail = [&](absl::Status s, const Sandbox* sb) {
    if (sb != nullptr) (void)KillSandbox(sb->sentry, sb->gofer);
    (void)c->Remove();
    if (!pid_file.empty()) unlink(pid_file.c_str());
    return s;
  };
  auto sb = StartSandbox(c->dir(), *config, SandboxOptionsFrom(g));
  if (!sb.ok()) return fail(sb.status(), nullptr);
  st.sentry = sb->sentry;
  st.gofer = sb->gofer;
  if (auto s = c->Save(); !s.ok()) return fail(s, &*sb);
  // runc's order: prestart (deprecated), createRuntime, createContainer.
  const OciHooks& h = config->hooks;
  for (auto [list, kind] : {std::pair{&h.prestart, "prestart"},
                            std::pair{&h.create_runtime, "createRuntime"},
                            std::pair{&h.create_container, "createContainer"}}) {
    if (auto s = RunHooks(*list, kind, st.OciState("creating")); !s.ok()) return fail(s, &*sb);
  }
  if (!pid_file.empty()) {
    if (auto s = WritePidFile(pid_file, st.sentry.pid); !s.ok()) return fail(s, &*sb);
  }
  return st;
}

absl::Status StartContainer(const GlobalFlags& g, const std::string& id) {
  auto c = LockedContainer::Open(g.root, id);
  if (!c.ok()) return c.status();
  ContainerState& st = c->state();
  std::string status = st.LiveStatus();
  if (status == "stopped") return absl::FailedPreconditionError("cannot start a container that has stopped");
  if (status == "running") return absl::FailedPreconditionError("cannot start an already running container");
  OciHooks hooks = HooksOf(st);
  if (auto s = RunHooks(hooks.start_container, "startContainer", st.OciState("created")); !s.ok()) {
    (void)KillSandbox(st.sentry, st.gofer);
    return s;
  }
  sentry::control::Request req;
  req.mutable_start();
  if (auto r = ControlCall(c->dir(), req, absl::Seconds(60)); !r.ok()) {
    if (absl::IsUnavailable(r.status()) || absl::IsNotFound(r.status())) {
      return absl::FailedPreconditionError("cannot start a container that has stopped");
    }
    return r.status();
  }
  st.status = "running";
  if (auto s = c->Save(); !s.ok()) return s;
  if (auto s = RunHooks(hooks.poststart, "poststart", st.OciState("running")); !s.ok()) {
    Warn(std::string(s.message()));
  }
  return absl::OkStatus();
}

absl::Status KillContainer(const GlobalFlags& g, const std::string& id, int signo, bool all) {
  auto c = LockedContainer::Open(g.root, id);
  if (!c.ok()) return c.status();
  if (c->state().LiveStatus() == "stopped") return absl::FailedPreconditionError(kErrNotRunning);
  sentry::control::Request req;
  req.mutable_signal()->set_signo(signo);
  req.mutable_signal()->set_all(all);
  auto r = ControlCall(c->dir(), req, absl::Seconds(30));
  if (!r.ok() && (absl::IsUnavailable(r.status()) || absl::IsNotFound(r.status()))) {
    return absl::FailedPreconditionError(kErrNotRunning);
  }
  return r.status();
}

absl::Status DeleteContainer(const GlobalFlags& g, const std::string& id, bool force) {
  auto c = LockedContainer::Open(g.root, id);
  if (absl::IsNotFound(c.status())) {
    absl::Status s = RemoveAborted(g.root, id);
    return force ? absl::OkStatus() : s;
  }
  if (!c.ok()) return c.status();
  std::string status = c->state().LiveStatus();
  if (status == "running" && !force) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot delete container ", id, " that is not stopped: ", status));
  }
  return Destroy(*c);
}

absl::StatusOr<int> WaitContainer(const GlobalFlags& g, const std::string& id) {
  auto c = LockedContainer::Open(g.root, id, /*lock=*/false);
  if (!c.ok()) return c.status();
  sentry::control::Request req;
  req.mutable_wait();
  auto r = ControlCall(c->dir(), req);
  if (r.ok()) return r->exit_code();
  if (auto code = RecordedExitCode(c->dir())) return *code;
  if (absl::IsUnavailable(r.status()) || absl::IsNotFound(r.status())) {
    return absl::FailedPreconditionError("container not running and its exit status is unknown (the sandbox died)");
  }
  return r.status();
}

}  // namespace runsc
