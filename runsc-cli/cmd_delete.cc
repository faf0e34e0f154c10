// runsc delete [--force] <id>
#include <memory>

#include "runsc-cli/commands.h"
#include "runsc-cli/container.h"
#include "runsc-cli/log.h"

namespace runsc {

void AddDeleteCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  struct Opts {
    std::string id;
    bool force = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("delete", "delete a container and everything of it");
  sub->add_option("id", o->id, "container ID")->required();
  sub->add_flag("-f,--force", o->force, "kill it first if it is running");
  cmds.Add(sub, [&g, o] {
    absl::Status s = DeleteContainer(g, o->id, o->force);
    return s.ok() ? 0 : Fail(std::string(s.message()));
  });
}

}  // namespace runsc
