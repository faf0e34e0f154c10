// gofer: serves one container's rootfs over 9P2000.L.
//
//   gofer --root DIR [--ro] [--mount SRC:DST[:ro]]... (--fd N | --socket PATH)
//         [--no-confine] [--no-seccomp] [--msize N] [--no-fd-donation] [--debug]
//
// --fd N serves the inherited connected socket N until the client hangs up.
// --socket PATH listens on a unix socket (bound before confinement) and
// serves one connection at a time until SIGTERM. Unless --no-confine, the
// process first confines itself (confine.h; needs root), then installs its
// seccomp policy (seccomp_policy.h) unless --no-seccomp. Exit status: 0 when
// the client hung up, 1 for bad flags or a failed setup, 2 for a protocol
// error on --fd.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "base/fmt_absl.h"
#include "fs9p/server.h"
#include "gofer/confine.h"
#include "gofer/file_server.h"
#include "gofer/seccomp_policy.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace {

struct Flags {
  std::string root;
  bool read_only = false;
  std::vector<std::string> mounts;
  int fd = -1;
  std::string socket_path;
  bool no_confine = false;
  bool no_seccomp = false;
  uint32_t msize = 1 << 20;
  bool no_fd_donation = false;
  bool debug = false;
};

int Fail(const std::string& what) {
  fprintf(stderr, "gofer: %s\n", what.c_str());
  return 1;
}

absl::StatusOr<base::UniqueFd> Listen(const std::string& path) {
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return absl::InternalError("socket: " + std::string(strerror(errno)));
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return absl::InvalidArgumentError("socket path too long");
  memcpy(addr.sun_path, path.data(), path.size());
  unlink(path.c_str());
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd.get(), 8) != 0) {
    return absl::InternalError("bind/listen " + path + ": " + strerror(errno));
  }
  return fd;
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer's exit-time check forks a ptrace()ing helper, which the
// seccomp policy (rightly) kills. The in-process tests leak-check the same
// code; the confined binary does not.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif

int main(int argc, char** argv) {
  Flags f;
  CLI::App app{"gofer: a 9P2000.L file server confined to one root"};
  app.add_option("--root", f.root, "directory to serve")->required();
  app.add_flag("--ro", f.read_only, "serve the root read-only");
  app.add_option("--mount", f.mounts, "extra bind mount SRC:DST[:ro] (DST inside the root)");
  auto* fd_opt = app.add_option("--fd", f.fd, "inherited connected socket to serve")
                     ->check(CLI::NonNegativeNumber);
  auto* sock_opt = app.add_option("--socket", f.socket_path, "unix socket path to listen on");
  fd_opt->excludes(sock_opt);
  app.add_flag("--no-confine", f.no_confine, "do not pivot into the root (debugging)");
  app.add_flag("--no-seccomp", f.no_seccomp, "do not install the seccomp policy");
  app.add_option("--msize", f.msize, "largest message size to offer")
      ->check(CLI::Range(4096u, 16u << 20));
  app.add_flag("--no-fd-donation", f.no_fd_donation, "never attach host FDs to Rlopen");
  app.add_flag("--debug", f.debug, "log every failed request");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(e.what());
  }
  if ((f.fd < 0) == f.socket_path.empty()) return Fail("exactly one of --fd or --socket is needed");

  auto logger = spdlog::stderr_logger_mt("gofer");
  spdlog::set_default_logger(logger);
  spdlog::set_level(f.debug ? spdlog::level::debug : spdlog::level::info);

  std::vector<gofer::ExtraMount> mounts;
  for (const std::string& m : f.mounts) {
    absl::StatusOr<gofer::ExtraMount> parsed = gofer::ParseMount(m);
    if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
    mounts.push_back(*parsed);
  }
  if (f.no_confine && !mounts.empty()) return Fail("--mount needs confinement");

  base::UniqueFd listener;
  if (!f.socket_path.empty()) {
    absl::StatusOr<base::UniqueFd> l = Listen(f.socket_path);
    if (!l.ok()) return Fail(std::string(l.status().message()));
    listener = *std::move(l);
  }
  std::string root = f.root;
  if (!f.no_confine) {
    absl::Status s = gofer::Confine({f.root, f.read_only, mounts});
    if (!s.ok()) return Fail(std::string(s.message()));
    root = "/";
  }
  // Modes are the client's to decide (it applies the app's umask itself).
  umask(0);
  // Without confinement nothing remounted the root read-only: enforce it here.
  absl::StatusOr<std::unique_ptr<gofer::FileServer>> fs =
      gofer::FileServer::Create(root, {.read_only = f.read_only && f.no_confine});
  if (!fs.ok()) return Fail(std::string(fs.status().message()));
  if (!f.no_seccomp) {
    if (absl::Status s = gofer::InstallSeccompPolicy(); !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }
  fs9p::Server server(**fs, {.max_msize = f.msize, .offer_fd_donation = !f.no_fd_donation});
  if (f.fd >= 0) {
    absl::Status s = server.Serve(base::UniqueFd(f.fd));
    if (!s.ok()) {
      spdlog::error("serve: {}", s);
      return 2;
    }
    return 0;
  }
  spdlog::info("listening on {}", f.socket_path);
  for (;;) {
    base::UniqueFd conn(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      spdlog::error("accept: {}", strerror(errno));
      return 1;
    }
    if (absl::Status s = server.Serve(std::move(conn)); !s.ok()) spdlog::warn("serve: {}", s);
  }
}
