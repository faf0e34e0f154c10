// runsc kill [--all] <id> [SIGNAL]   (SIGNAL: name or number; default SIGTERM)
#include <memory>

#include "runsc-cli/commands.h"
#include "runsc-cli/container.h"
#include "runsc-cli/log.h"

namespace runsc {

void AddKillCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  struct Opts {
    std::string id, signal = "SIGTERM";
    bool all = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("kill", "send a signal to the container's init process");
  sub->add_option("id", o->id, "container ID")->required();
  sub->add_option("signal", o->signal, "signal name or number (default SIGTERM)");
  sub->add_flag("-a,--all", o->all, "send the signal to every process of the container");
  cmds.Add(sub, [&g, o] {
    auto sig = ParseSignal(o->signal);
    if (!sig.ok()) return Fail(std::string(sig.status().message()));
    absl::Status s = KillContainer(g, o->id, *sig, o->all);
    return s.ok() ? 0 : Fail(std::string(s.message()));
  });
}

}  // namespace runsc
