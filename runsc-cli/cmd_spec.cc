// runsc spec [--bundle DIR]: writes a default config.json as `runc spec`
// does (refusing to overwrite one), but with terminal false: runsc does
// not allocate terminals yet.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "runsc-cli/commands.h"
#include "runsc-cli/default_spec.h"
#include "runsc-cli/log.h"

namespace runsc {

void AddSpecCommand(CLI::App& app, const GlobalFlags&, Commands& cmds) {
  auto bundle = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("spec", "create a new config.json");
  sub->add_option("-b,--bundle", *bundle, "path to the bundle directory (default: .)");
  static bool rootless = false;
  sub->add_flag("--rootless", rootless, "accepted for runc compatibility");
  cmds.Add(sub, [bundle] {
    std::string path = bundle->empty() ? "config.json" : *bundle + "/config.json";
    struct stat st;
    if (!bundle->empty() && stat(bundle->c_str(), &st) != 0) {
      return Fail("chdir " + *bundle + ": no such file or directory");
    }
    if (stat(path.c_str(), &st) == 0) return Fail("File config.json exists. Remove it first");
    std::ofstream out(path);
    out << DefaultSpec().dump(1, '\t') << "\n";
    if (!out.flush()) return Fail("write " + path + ": cannot write");
    return 0;
  });
}

}  // namespace runsc
