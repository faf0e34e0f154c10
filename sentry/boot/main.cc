// sentry: boots the sandbox's init from a boot spec (spec.h) or flags.
//
//   sentry [--spec FILE] [--platform ptrace] [--hostname H] [--uid N]
//          [--gid N] [--env K=V]... [--strace-unimplemented]
//          [--strace [--strace-syscalls a,b] [--strace-log-size N]]
//          [--profile-syscalls FILE]
//          [--control-fd N [--exit-status-fd N]]
//          [--root DIR] [--root-readonly] [--overlay memory|none]
//          [--gofer PATH] [--gofer-fd N] [-- BINARY ARGS...]
//
// With --control-fd (a listening unix socket; sentry/control/server.h) the
// Sentry boots, then waits for the control Start request before running
// init: runsc's create/start split.
// Flags override the spec; a command after the flags replaces its args.
// The root file system (rootfs.h): with --root (or --gofer-fd), the gofer's
// tree, by default under an in-memory overlay; else an empty tmpfs. The
// init binary is still loaded from the host path given (BootExecLoader).
// Exit status: init's exit code, or 128+N if signal N killed it; 127 if the
// binary does not exist, 126 if it cannot be executed, 125 for usage
// errors or Sentry failures.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "base/fmt_absl.h"
#include "base/unique_fd.h"
#include "platform/platform.h"
#include "sentry/boot/exec_loader.h"
#include "sentry/vfs/exec_loader.h"
#include "sentry/boot/mounts.h"
#include "sentry/boot/rootfs.h"
#include "sentry/boot/spec.h"
#include "sentry/control/kernel_controller.h"
#include "sentry/control/server.h"
#include "sentry/kernel/file.h"
#include "sentry/kernel/kernel.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/mount.h"
#include "sentry/vfs/path.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace {

constexpr int kUsageError = 125;

// Whether host fds a and b are the same open file description.
bool SameOpenFile(int a, int b) {
  pid_t self = getpid();
  return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

// The app's descriptor table from (app fd <- host fd) pairs. App fds that
// name the same host open file share one File, so that e.g. `run > log
// 2>&1` keeps one offset and the order of writes.
std::shared_ptr<sentry::kernel::FdTable> MakeFdTable(const std::map<int, int>& app_to_host) {
  auto fds = std::make_shared<sentry::kernel::FdTable>();
  std::vector<std::pair<int, std::shared_ptr<sentry::kernel::HostFile>>> made;
  for (const auto& [app, host] : app_to_host) {
    std::shared_ptr<sentry::kernel::HostFile> file;
    for (const auto& [h, f] : made) {
      if (SameOpenFile(h, host)) file = f;
    }
    if (file == nullptr) {
      file = std::make_shared<sentry::kernel::HostFile>(host);
      made.emplace_back(host, file);
    }
    fds->Set(app, file);
  }
  return fds;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  // The app owns stdout; the Sentry logs to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("sentry"));
  spdlog::set_pattern("sentry: %v");

  CLI::App app{"sentry: runs a Linux program in the sandbox's user-space kernel"};
  std::string spec_path, platform_name = "ptrace";
  std::optional<std::string> hostname;
  std::optional<uint32_t> uid, gid;
  std::vector<std::string> env;
  bool strace_unimplemented = false;
  int control_fd = -1, exit_status_fd = -1;
  std::optional<std::string> root_dir, overlay, gofer_binary;
  std::optional<int> gofer_fd;
  bool root_readonly = false;
  app.add_option("--spec", spec_path, "boot spec (JSON)")->check(CLI::ExistingFile);
  app.add_option("--platform", platform_name, "ptrace");
  app.add_option("--hostname", hostname, "the sandbox's hostname");
  app.add_option("--uid", uid, "init's user ID")->check(CLI::Range(0u, 0xfffffffeu));
  app.add_option("--gid", gid, "init's group ID")->check(CLI::Range(0u, 0xfffffffeu));
  app.add_option("--env", env, "K=V for init's environment (repeatable)");
  std::string profile_path;
  app.add_option("--profile-syscalls", profile_path,
                 "write a per-syscall profile (sentry/profile/profile.proto) here at exit");
  bool strace_on = false;
  std::string strace_syscalls;
  size_t strace_log_size = 32;
  app.add_flag("--strace", strace_on, "write an strace(1)-style line per syscall to stderr");
  app.add_option("--strace-syscalls", strace_syscalls, "with --strace: only these (a,b,c)");
  app.add_option("--strace-log-size", strace_log_size, "with --strace: buffer bytes shown")
      ->check(CLI::Range(size_t{0}, size_t{1} << 20));
  app.add_flag("--strace-unimplemented", strace_unimplemented,
               "log every call of an unimplemented syscall, not only the first");
  app.add_option("--control-fd", control_fd, "listening control socket: wait for Start");
  app.add_option("--exit-status-fd", exit_status_fd, "with --control-fd: init's exit code goes here");
  app.add_option("--root", root_dir, "the container's root directory, served by a gofer");
  app.add_flag("--root-readonly", root_readonly, "mount the root read-only");
  app.add_option("--overlay", overlay, "memory (default): writes stay in Sentry memory; none")
      ->check(CLI::IsMember({"memory", "none"}));
  app.add_option("--gofer", gofer_binary, "the gofer binary to start for --root");
  app.add_option("--gofer-fd", gofer_fd, "connected socket to a running gofer")
      ->check(CLI::Range(0, 1 << 20));
  app.prefix_command();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kUsageError;
  }

  sentry::boot::BootSpec spec;
  if (!spec_path.empty()) {
    auto text = ReadFile(spec_path);
    if (!text) {
      std::fprintf(stderr, "sentry: cannot read %s\n", spec_path.c_str());
      return kUsageError;
    }
    auto parsed = sentry::boot::ParseBootSpec(*text);
    if (!parsed.ok()) {
      std::fprintf(stderr, "sentry: %s\n", std::string(parsed.status().message()).c_str());
      return kUsageError;
    }
    spec = std::move(*parsed);
  }
  std::vector<std::string> command = app.remaining();
  if (!command.empty() && command[0] == "--") {
    command.erase(command.begin());
  } else if (!command.empty() && !command[0].empty() && command[0][0] == '-') {
    std::fprintf(stderr, "sentry: unknown flag %s (put the program after --)\n",
                 command[0].c_str());
    return kUsageError;
  }
  if (!command.empty()) spec.args = command;
  if (spec.args.empty()) {
    std::fprintf(stderr, "sentry: no program to run (give --spec or -- BINARY ARGS)\n%s",
                 app.help().c_str());
    return kUsageError;
  }
  if (hostname) spec.hostname = *hostname;
  if (uid) spec.uid = *uid;
  if (gid) spec.gid = *gid;
  for (auto& e : env) spec.env.push_back(e);
  if (root_dir) {
    if (root_dir->empty() || (*root_dir)[0] != '/') {
      std::fprintf(stderr, "sentry: --root must be an absolute path\n");
      return kUsageError;
    }
    spec.root_path = *root_dir;
  }
  if (root_readonly) spec.root_readonly = true;
  if (overlay) spec.overlay = *overlay;
  if (gofer_fd) spec.gofer_fd = *gofer_fd;
  if (!gofer_binary) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    gofer_binary = sentry::boot::DefaultGoferBinary(n > 0 ? std::string(exe, n) : "");
  }
  // Before any thread exists: this may fork the gofer.
  auto rootfs = sentry::boot::MakeRootFs(spec, *gofer_binary);
  if (!rootfs.ok()) {
    std::fprintf(stderr, "sentry: root file system: %s\n",
                 std::string(rootfs.status().message()).c_str());
    return kUsageError;
  }

  // With a root file system, init and every execve resolve through the
  // VFS; without one, only the host binary named here can run.
  const std::string& path = spec.args[0];
  std::unique_ptr<sentry::kernel::ExecLoader> loader;
  std::function<std::string()> load_error;
  if (spec.GoferRoot()) {
    auto l = sentry::vfs::NewVfsExecLoader();
    load_error = [l = l.get()] { return l->last_error(); };
    loader = std::move(l);
  } else {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      std::fprintf(stderr, "sentry: %s: %s\n", path.c_str(), std::strerror(e));
      return (e == ENOENT || e == ENOTDIR) ? 127 : 126;
    }
    auto l = std::make_unique<sentry::boot::BootExecLoader>();
    l->Add(path, base::UniqueFd(fd));
    load_error = [l = l.get()] { return l->last_error(); };
    loader = std::move(l);
  }

  auto mf = sentry::mm::MemoryFile::Create();
  if (!mf.ok()) {
    spdlog::error("memory file: {}", mf.status());
    return kUsageError;
  }
  auto plat = platform::NewPlatform(platform_name, {.memory_fd = (*mf)->fd()});
  if (!plat.ok()) {
    spdlog::error("platform {}: {}", platform_name, plat.status());
    return kUsageError;
  }
  auto as = (*plat)->NewAddressSpace();
  if (!as.ok()) {
    spdlog::error("address space: {}", as.status());
    return kUsageError;
  }
  sentry::mm::MemoryManagerOptions mopts;
  mopts.max_address = (*plat)->MaxUserAddress();
  auto mm = std::make_shared<sentry::mm::MemoryManager>(**mf, std::move(*as), mopts);

  auto creds = sentry::kernel::Credentials::ForUser(spec.uid, spec.gid);
  creds.groups = spec.groups;

  std::map<int, int> app_to_host = {{0, 0}, {1, 1}, {2, 2}};
  for (const auto& [app_fd, host_fd] : spec.fds) {
    if (fcntl(host_fd, F_GETFD) < 0) {
      std::fprintf(stderr, "sentry: boot spec fd %d: host fd %d is not open\n", app_fd, host_fd);
      return kUsageError;
    }
    app_to_host[app_fd] = host_fd;
  }

  std::unique_ptr<sentry::strace::Tracer> tracer;
  if (strace_on) {
    auto only = sentry::strace::Tracer::ParseSyscallList(strace_syscalls);
    if (!only.ok()) {
      std::fprintf(stderr, "sentry: %s\n", std::string(only.status().message()).c_str());
      return kUsageError;
    }
    tracer = std::make_unique<sentry::strace::Tracer>(
        sentry::strace::Options{.only = std::move(*only), .log_size = strace_log_size},
        STDERR_FILENO);
  }
  std::unique_ptr<sentry::profile::Profiler> profiler;
  if (!profile_path.empty()) profiler = std::make_unique<sentry::profile::Profiler>();
  sentry::syscalls::SyscallTable table({.strace_unimplemented = strace_unimplemented,
                                        .tracer = tracer.get(),
                                        .profiler = profiler.get()});
  sentry::kernel::UtsInfo uts;
  uts.hostname = spec.hostname;
  sentry::kernel::InitProcess init;
  init.mm = std::move(mm);
  init.creds = creds;
  init.fds = MakeFdTable(app_to_host);
  size_t slash = path.rfind('/');
  init.comm = path.substr(slash == std::string::npos ? 0 : slash + 1).substr(0, 15);
  init.rlimits = spec.rlimits;
  // The root file system; the spec's cwd is created in it if missing.
  auto mount_ns =
      std::make_shared<sentry::vfs::MountNamespace>(rootfs->root, rootfs->mount_flags);
  {
    sentry::vfs::VirtualDentry cwd{mount_ns->root_mount(), mount_ns->root_dentry()};
    size_t i = 0;
    while (i < spec.cwd.size()) {
      size_t j = spec.cwd.find('/', i);
      if (j == std::string::npos) j = spec.cwd.size();
      std::string name = spec.cwd.substr(i, j - i);
      i = j + 1;
      if (name.empty() || name == ".") continue;
      auto child = cwd.dentry->Child(name);
      if (!child.ok()) {
        auto dir = cwd.dentry->inode().Mkdir(name, 0755, {0, 0});
        if (!dir.ok()) break;
        child = cwd.dentry->Added(name, *dir);
      }
      cwd.dentry = *child;
    }
    init.cwd_mount = cwd.mount;
    init.cwd = cwd.dentry;
  }
  auto kernel = std::make_unique<sentry::kernel::Kernel>(**plat, **mf, table, *loader, uts);
  kernel->SetVfsRoot(mount_ns, mount_ns->root_mount(), mount_ns->root_dentry());
  if (!spec.GoferRoot()) {
    mount_ns->root_mount()->SetDescription("tmpfs", "none");
  } else if (spec.overlay == "memory") {
    mount_ns->root_mount()->SetDescription("overlay", "overlay");
  } else {
    mount_ns->root_mount()->SetDescription("9p", spec.root_path.empty() ? "gofer" : spec.root_path);
  }
  if (absl::Status s = sentry::boot::MountStandardFilesystems(
          *kernel, *mount_ns, /*create_mountpoints=*/!spec.GoferRoot() || spec.overlay == "memory");
      !s.ok()) {
    spdlog::error("standard mounts: {}", s);
    return kUsageError;
  }
  {
    sentry::kernel::ExecContext exec_ctx;
    exec_ctx.creds = creds;
    exec_ctx.root_mount = mount_ns->root_mount();
    exec_ctx.root = mount_ns->root_dentry();
    exec_ctx.cwd_mount = init.cwd_mount;
    exec_ctx.cwd = init.cwd;
    for (const auto& [res, lim] : spec.rlimits) {
      if (res == RLIMIT_STACK) exec_ctx.rlimit_stack = lim.rlim_cur;
    }
    auto image = loader->Load(exec_ctx, path, spec.args, spec.env, *init.mm);
    if (!image.ok()) {
      std::fprintf(stderr, "sentry: %s\n", load_error().c_str());
      const int e = image.error().value();
      return (e == ENOENT || e == ENOTDIR) ? 127 : 126;
    }
    init.image = *image;
  }
  sentry::control::KernelController controller(*kernel);
  std::unique_ptr<sentry::control::ControlServer> control;
  if (control_fd >= 0) {
    control = std::make_unique<sentry::control::ControlServer>(
        base::UniqueFd(control_fd), base::UniqueFd(exit_status_fd), controller);
    if (auto killed = control->WaitForStart()) return *killed;
  }
  int status = kernel->RunInit(std::move(init));
  if (profiler != nullptr) {
    if (absl::Status s = profiler->WriteTo(profile_path, spec.hostname); !s.ok()) {
      spdlog::error("--profile-syscalls: {}", s);
    }
  }
  if (control) {
    control->InitExited(status);
    control.reset();  // Wait replies are sent
  }
  if (!kernel->AllTasksExited()) {
    // A task is stuck in a host call: leave without tearing down under it.
    if (rootfs->gofer) rootfs->gofer->Stop();
    std::fflush(nullptr);
    _exit(status);
  }
  return status;
}
