// runsc start <id>
#include <memory>

#include "runsc-cli/commands.h"
#include "runsc-cli/container.h"
#include "runsc-cli/log.h"

namespace runsc {

void AddStartCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("start", "start the user process of a created container");
  sub->add_option("id", *id, "container ID")->required();
  cmds.Add(sub, [&g, id] {
    absl::Status s = StartContainer(g, *id);
    return s.ok() ? 0 : Fail(std::string(s.message()));
  });
}

}  // namespace runsc
