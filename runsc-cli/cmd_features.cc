// runsc features: what this runtime supports, in the shape of
// `runc features` (runtime-spec features.md).
#include <cstdio>

#include "nlohmann/json.hpp"
#include "runsc-cli/commands.h"

namespace runsc {

void AddFeaturesCommand(CLI::App& app, const GlobalFlags&, Commands& cmds) {
  CLI::App* sub = app.add_subcommand("features", "print the runtime's features as JSON");
  cmds.Add(sub, [] {
    using J = nlohmann::ordered_json;
    J f = J::object();
    f["ociVersionMin"] = "1.0.0";
    f["ociVersionMax"] = "1.2.0";
    f["hooks"] = J::array({"prestart", "createRuntime", "createContainer", "startContainer",
                           "poststart", "poststop"});
    f["mountOptions"] = J::array({"bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec"});
    f["linux"] = {
        {"namespaces", J::array({"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"})},
        {"capabilities", J::array()},
        {"cgroup", {{"v1", false}, {"v2", false}, {"systemd", false}, {"systemdUser", false}}},
        {"seccomp", {{"enabled", false}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}}};
    f["annotations"] = {{"io.github.gsandbox.runsc.sandbox", "sentry"}};
    std::printf("%s\n", f.dump(4).c_str());
    return 0;
  });
}

}  // namespace runsc
