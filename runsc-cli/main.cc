// runsc: the OCI runtime CLI (runc-compatible) for the sandbox.
//
//   runsc [global flags] COMMAND [flags] ARGS
//
// Commands: create start state kill delete run list wait spec features
// (cmd_<name>.cc). Exit status: 0, or 1 for any error (one line on
// stderr, as runc), or for `run` the container's exit code.
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "runsc-cli/commands.h"
#include "runsc-cli/flags.h"
#include "runsc-cli/log.h"

namespace {

void AddGlobalFlags(CLI::App& app, runsc::GlobalFlags& g) {
  app.add_option("--root", g.root, "directory of container states")->capture_default_str();
  app.add_option("--log", g.log, "log file");
  app.add_option("--log-format", g.log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "log debug messages");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "accepted for runc compatibility");
  app.add_option("--platform", g.platform, "ptrace")->check(CLI::IsMember({"ptrace", "systrap", "kvm"}));
  app.add_option("--network", g.network, "none or host")->check(CLI::IsMember({"none", "host"}));
  app.add_option("--overlay", g.overlay, "rootfs overlay: memory or none")
      ->check(CLI::IsMember({"memory", "none"}));
  app.add_flag("--strace", g.strace, "trace the app's syscalls");
  app.add_option("--debug-log", g.debug_log, "directory for per-process debug logs");
  app.add_option("--profile-syscalls", g.profile_syscalls, "write a per-syscall profile here");
  app.add_option("--sentry-binary", g.sentry_binary, "the sentry to run")->group("");
  app.add_option("--gofer-binary", g.gofer_binary, "the gofer to run")->group("");
}

// CLI11's error as one line: "unknown flag --x" / "unknown command y".
std::string OneLine(const CLI::ParseError& e) {
  std::string what = e.what();
  if (what.find("not expected: ") != std::string::npos) {
    size_t colon = what.find(": ");
    std::string extra = colon == std::string::npos ? what : what.substr(colon + 2);
    if (!extra.empty() && extra[0] == '-') return "runsc: unknown flag " + extra;
    return "runsc: unknown command or extra argument " + extra;
  }
  size_t nl = what.find('\n');
  return "runsc: " + (nl == std::string::npos ? what : what.substr(0, nl));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"runsc: an OCI runtime that runs containers in a user-space kernel"};
  app.set_version_flag("-v,--version", "runsc 0.1 (runtime-spec 1.0.2)");
  app.require_subcommand(0, 1);
  app.fallthrough();
  runsc::GlobalFlags g;
  AddGlobalFlags(app, g);
  runsc::Commands cmds;
  runsc::AddCreateCommand(app, g, cmds);
  runsc::AddStartCommand(app, g, cmds);
  runsc::AddStateCommand(app, g, cmds);
  runsc::AddKillCommand(app, g, cmds);
  runsc::AddDeleteCommand(app, g, cmds);
  runsc::AddRunCommand(app, g, cmds);
  runsc::AddListCommand(app, g, cmds);
  runsc::AddWaitCommand(app, g, cmds);
  runsc::AddSpecCommand(app, g, cmds);
  runsc::AddFeaturesCommand(app, g, cmds);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s\n", OneLine(e).c_str());
    return 1;
  }
  runsc::SetupLog(g);
  const runsc::Runner* run = cmds.Parsed();
  if (run == nullptr) {
    std::printf("%s", app.help().c_str());
    return 0;
  }
  return (*run)();
}
