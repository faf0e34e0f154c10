// runsc wait <id>: blocks until init exits; prints {"id":ID,"exitStatus":N}
// (gVisor's runsc wait) and exits 0.
#include <cstdio>
#include <memory>

#include "nlohmann/json.hpp"
#include "runsc-cli/commands.h"
#include "runsc-cli/container.h"
#include "runsc-cli/log.h"

namespace runsc {

void AddWaitCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("wait", "wait for the container's init to exit");
  sub->add_option("id", *id, "container ID")->required();
  cmds.Add(sub, [&g, id] {
    auto code = WaitContainer(g, *id);
    if (!code.ok()) return Fail(std::string(code.status().message()));
    nlohmann::ordered_json j = {{"id", *id}, {"exitStatus", *code}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
  });
}

}  // namespace runsc
