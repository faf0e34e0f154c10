// commands.h: runsc's subcommands. Each cmd_<name>.cc adds one CLI11
// subcommand and the function that runs it; main.cc parses and runs the
// chosen one. A runner returns the process exit status.
#ifndef RUNSC_CLI_COMMANDS_H_
#define RUNSC_CLI_COMMANDS_H_

#include <functional>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "runsc-cli/flags.h"

namespace runsc {

using Runner = std::function<int()>;

class Commands {
 public:
  void Add(CLI::App* sub, Runner run) { commands_.emplace_back(sub, std::move(run)); }
  // The runner of the parsed subcommand, or null.
  const Runner* Parsed() const {
    for (const auto& [sub, run] : commands_) {
      if (sub->parsed()) return &run;
    }
    return nullptr;
  }

 private:
  std::vector<std::pair<CLI::App*, Runner>> commands_;
};

void AddCreateCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddStartCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddStateCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddKillCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddDeleteCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddRunCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddListCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddWaitCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddSpecCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);
void AddFeaturesCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds);

}  // namespace runsc

#endif  // RUNSC_CLI_COMMANDS_H_
