// runsc create <id> [--bundle DIR] [--pid-file F] [--console-socket S]
#include <memory>

#include "runsc-cli/commands.h"
#include "runsc-cli/container.h"
#include "runsc-cli/log.h"

namespace runsc {

void AddCreateCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  auto o = std::make_shared<CreateOptions>();
  CLI::App* sub = app.add_subcommand("create", "create a container (its process waits for start)");
  sub->add_option("id", o->id, "container ID")->required();
  sub->add_option("-b,--bundle", o->bundle, "path to the bundle directory (default: .)");
  sub->add_option("--pid-file", o->pid_file, "file to write the container's pid to");
  sub->add_option("--console-socket", o->console_socket, "unix socket for the pty master");
  static bool compat_flag = false;
  static int preserve_fds = 0;
  sub->add_flag("--no-pivot,--no-new-keyring", compat_flag, "accepted for runc compatibility");
  sub->add_option("--preserve-fds", preserve_fds, "accepted for runc compatibility");
  cmds.Add(sub, [&g, o] {
    auto st = CreateContainer(g, *o);
    return st.ok() ? 0 : Fail(std::string(st.status().message()));
  });
}

}  // namespace runsc
