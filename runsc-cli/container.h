// container.h: the container lifecycle over the state dir (state.h), the
// sandbox (sandbox.h) and hooks (hooks.h). The commands (cmd_*.cc) are
// thin wrappers; `run` composes create, start, wait and delete.
//
// Errors carry runc's messages; every command turns one into a line on
// stderr and exit status 1.
#ifndef RUNSC_CLI_CONTAINER_H_
#define RUNSC_CLI_CONTAINER_H_

#include <string>

#include "absl/status/statusor.h"
#include "runsc-cli/flags.h"
#include "runsc-cli/state.h"

namespace runsc {

struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
};

// Validates the bundle, creates the state dir, starts the sandbox (which
// stops before the user process runs), runs the prestart, createRuntime
// and createContainer hooks, writes state.json and the pid file. On error
// nothing is left behind.
absl::StatusOr<ContainerState> CreateContainer(const GlobalFlags& g, const CreateOptions& o);
// created -> running; startContainer hooks before, poststart after.
absl::Status StartContainer(const GlobalFlags& g, const std::string& id);
// Delivers `signo` to init (or with `all` every process) in the sandbox.
absl::Status KillContainer(const GlobalFlags& g, const std::string& id, int signo, bool all);
// Removes a stopped (or created, or with `force` running) container and
// everything of it, then runs the poststop hooks.
absl::Status DeleteContainer(const GlobalFlags& g, const std::string& id, bool force);
// Blocks until init exits: its exit code (128+N for signal N).
absl::StatusOr<int> WaitContainer(const GlobalFlags& g, const std::string& id);

// "SIGKILL", "KILL", "9" -> 9; InvalidArgument `unknown signal "X"`.
absl::StatusOr<int> ParseSignal(const std::string& s);

}  // namespace runsc

#endif  // RUNSC_CLI_CONTAINER_H_
