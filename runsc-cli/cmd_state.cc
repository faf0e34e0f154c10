// runsc state <id>: the OCI state as runc prints it (indented JSON).
#include <cstdio>
#include <memory>

#include "runsc-cli/commands.h"
#include "runsc-cli/log.h"
#include "runsc-cli/state.h"

namespace runsc {

void AddStateCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("state", "print the state of a container");
  sub->add_option("id", *id, "container ID")->required();
  cmds.Add(sub, [&g, id] {
    auto c = LockedContainer::Open(g.root, *id, /*lock=*/false);
    if (!c.ok()) return Fail(std::string(c.status().message()));
    std::printf("%s\n", c->state().OciState().dump(2).c_str());
    return 0;
  });
}

}  // namespace runsc
